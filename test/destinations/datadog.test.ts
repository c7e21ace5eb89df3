import { gunzipSync } from 'node:zlib';
import { isPermanentError } from '../../src/errors';
import { datadog, datadogEntry, datadogIntake } from '../../src/destinations/datadog';
import { libraryName } from '../../src/destinations/options';
import type { LogEvent } from '../../src/types';
import { type DatadogPeer, INTAKE, startDatadogPeer } from '../support/datadog-peer';
import { everything, failure, ship } from '../support/ship';
import { useTenant } from '../support/tenant';

const API_KEY = 'dd0a1b2c3d4e5f60718293a4b5c6d7e8';
const TOTAL = 250;
const tenant = useTenant({ logs: TOTAL, startDate: Date.now() - 3600_000 });
let peer: DatadogPeer;

beforeEach(async () => {
  peer = await startDatadogPeer(API_KEY);
});
afterEach(async () => {
  await peer.close();
});

const allIds = () => Array.from({ length: TOTAL }, (_, i) => tenant().logIdAt(i));
const storedIds = () => peer.entries.map((e) => e['log_id']);
const logs = (count: number, extra: Partial<LogEvent> = {}): LogEvent[] =>
  Array.from({ length: count }, (_, i) => ({
    log_id: `900202611300815420000000000000000000000000000${String(i).padStart(11, '0')}`,
    date: '2026-11-30T08:15:42.123Z',
    type: 's',
    ...extra,
  }));
const label = libraryName('datadog');

describe('datadog', () => {
  it('delivers every log once: gzip JSON arrays with ddsource, service, timestamp and the log', async () => {
    const handler = datadog({ site: peer.url, apiKey: API_KEY, tags: 'env:test' });
    const { result } = await ship(tenant(), handler, { batchSize: 100 });
    await handler.close();
    expect(result.status.error).toBeUndefined();
    expect(storedIds()).toEqual(allIds());
    expect(peer.refusals).toEqual([]);
    expect(peer.requests).toHaveLength(3);
    const first = peer.entries[0] as Record<string, unknown>;
    expect(first).toMatchObject({
      ddsource: 'auth0',
      service: 'auth0',
      ddtags: 'env:test',
      timestamp: Date.parse(first['date'] as string),
      log_id: tenant().logIdAt(0),
      type: expect.any(String),
    });
    const request = peer.requests[0];
    expect(request?.headers).toMatchObject({
      'dd-api-key': API_KEY,
      'content-encoding': 'gzip',
      'content-type': 'application/json',
    });
    expect(JSON.parse(gunzipSync(request?.body as Buffer).toString())).toHaveLength(100);
  });

  it('splits to stay within 1,000 entries a request', async () => {
    const handler = datadog({ site: peer.url, apiKey: API_KEY });
    await handler(logs(2345));
    const sizes = peer.requests.map(
      (r) => (JSON.parse(gunzipSync(r.body).toString()) as []).length,
    );
    expect(sizes).toEqual([1000, 1000, 345]);
    expect(peer.entries).toHaveLength(2345);
  });

  it('splits to stay within 5 MB a request, uncompressed', async () => {
    const handler = datadog({ site: peer.url, apiKey: API_KEY });
    const big = logs(20, { description: 'x'.repeat(600_000) });
    await handler(big);
    expect(peer.refusals).toEqual([]);
    const sizes = peer.requests.map((r) => gunzipSync(r.body).length);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(INTAKE.requestBytes);
    expect(sizes.length).toBe(3);
    expect(peer.entries.map((e) => e['log_id'])).toEqual(big.map((l) => l.log_id));
  });

  it('retries only the parts not accepted yet: no log twice', async () => {
    const handler = datadog({ site: peer.url, apiKey: API_KEY });
    const batch = logs(2500);
    peer.scriptAt(2, { status: 503, body: { errors: ['Service Unavailable'] } });
    const error = await failure(handler, batch);
    expect(error).toMatchObject({ code: 'datadog_http_503', status: 503, permanent: false });
    expect(error.message).toMatch(/Service Unavailable/);
    await handler(batch);
    expect(peer.entries.map((e) => e['log_id'])).toEqual(batch.map((l) => l.log_id));
  });

  it.each([
    [403, { errors: ['Forbidden'] }, true, /answered 403: Forbidden/],
    [
      400,
      { errors: [{ status: '400', title: 'Bad Request', detail: 'invalid JSON' }] },
      true,
      /invalid JSON/,
    ],
    [413, { errors: ['Payload too large'] }, true, /Payload too large/],
    [429, 'Too many requests', false, /Too many requests/],
    [500, '', false, /answered 500$/],
  ])('maps %i (%j) to permanent=%s with its reason', async (status, body, permanent, message) => {
    const handler = datadog({ site: peer.url, apiKey: API_KEY });
    peer.script({ status, body });
    const error = await failure(handler, logs(1));
    expect(isPermanentError(error)).toBe(permanent);
    expect(error.message).toMatch(message);
  });

  it('stops a run on a wrong API key naming Forbidden, the key nowhere', async () => {
    const handler = datadog({ site: peer.url, apiKey: 'wrong-api-key-0123456789' });
    const { result, storage, lines } = await ship(tenant(), handler, {
      maxRetries: 0,
      onBatchFailure: 'stop',
    });
    expect(result.status.error).toMatch(/datadog: .* answered 403: Forbidden/);
    expect(peer.entries).toHaveLength(0);
    expect(everything(result, storage.writes, lines, handler)).not.toContain(
      'wrong-api-key-0123456789',
    );
  });

  it('maps a site to its intake, and takes a full URL (plain http to loopback only)', () => {
    expect(datadogIntake('datadoghq.com', label, false).href).toBe(
      'https://http-intake.logs.datadoghq.com/api/v2/logs',
    );
    expect(datadogIntake('US3.datadoghq.com', label, false).href).toBe(
      'https://http-intake.logs.us3.datadoghq.com/api/v2/logs',
    );
    expect(datadogIntake('datadoghq.eu', label, false).href).toBe(
      'https://http-intake.logs.datadoghq.eu/api/v2/logs',
    );
    expect(datadogIntake('http://127.0.0.1:9001', label, false).href).toBe(
      'http://127.0.0.1:9001/api/v2/logs',
    );
    expect(datadogIntake('https://proxy.example/dd/v2', label, false).href).toBe(
      'https://proxy.example/dd/v2',
    );
    expect(() => datadogIntake('http://proxy.example', label, false)).toThrow(
      /`datadog.site` is plain http to proxy.example/,
    );
    expect(() => datadogIntake('datadog hq', label, false)).toThrow(
      /`datadog.site` to be a Datadog site/,
    );
    expect(() => datadog({ apiKey: '' })).toThrow(
      /`datadog.apiKey` to be set \(the API key, from DD_API_KEY\)/,
    );
    expect(datadog({ apiKey: API_KEY }).destination).toBe(
      'datadog https://http-intake.logs.datadoghq.com/api/v2/logs',
    );
  });

  it('builds an entry: the log fields, then Datadog attributes', () => {
    const [log] = logs(1, { hostname: 'acme.auth0.com' });
    expect(
      datadogEntry(log as LogEvent, { service: 'iam', tags: undefined, hostname: undefined }),
    ).toEqual({
      ...log,
      ddsource: 'auth0',
      service: 'iam',
      timestamp: 1796026542123,
    });
    expect(
      datadogEntry({ date: 'never', type: 's' }, { service: 's', tags: 'a:b', hostname: 'h' }),
    ).toEqual({
      date: 'never',
      type: 's',
      ddsource: 'auth0',
      service: 's',
      ddtags: 'a:b',
      hostname: 'h',
    });
  });
});
