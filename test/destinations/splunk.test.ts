import { inspect } from 'node:util';
import { isPermanentError } from '../../src/errors';
import { DestinationError } from '../../src/destinations/errors';
import { hecEvent, splunk } from '../../src/destinations/splunk';
import type { LogEvent } from '../../src/types';
import { type HecPeer, startHecPeer } from '../support/hec-peer';
import { everything, failure, ship } from '../support/ship';
import { useTenant } from '../support/tenant';

const TOKEN = '6c1d1e2f-hec0-4b5c-9d8e-7f6a5b4c3d2e';
const TOTAL = 250;
const tenant = useTenant({ logs: TOTAL, startDate: Date.now() - 3600_000 });
let peer: HecPeer;

beforeEach(async () => {
  peer = await startHecPeer(TOKEN);
});
afterEach(async () => {
  await peer.close();
});

const allIds = () => Array.from({ length: TOTAL }, (_, i) => tenant().logIdAt(i));
const storedIds = () => peer.events.map((e) => e.event['log_id']);
const log = (n: number, date = '2026-11-30T08:15:42.123Z'): LogEvent => ({
  log_id: `9002026113008154200000000000000000000000000000000000000${n}`.slice(0, 56),
  date,
  type: 's',
});

describe('splunk', () => {
  it('delivers every log once, in HEC events with time, source, sourcetype and index', async () => {
    const handler = splunk({ url: peer.url, token: TOKEN, index: 'auth0', host: 'acme' });
    const { result } = await ship(tenant(), handler, { batchSize: 100 });
    await handler.close();
    expect(result.status.error).toBeUndefined();
    expect(storedIds()).toEqual(allIds());
    expect(peer.requests).toHaveLength(3);
    const first = peer.events[0];
    expect(first).toEqual({
      time: Date.parse(first?.event['date'] as string) / 1000,
      host: 'acme',
      source: 'auth0',
      sourcetype: 'auth0',
      index: 'auth0',
      event: expect.objectContaining({ log_id: tenant().logIdAt(0) }),
    });
    expect(peer.requests[0]?.headers['authorization']).toBe(`Splunk ${TOKEN}`);
    expect(peer.requests[0]?.headers['content-type']).toBe('application/json');
  });

  it('takes time from the date as epoch seconds with milliseconds', () => {
    const fields = { source: 's', sourcetype: 't', index: undefined, host: undefined };
    expect(hecEvent(log(1), fields)).toEqual({
      time: 1796026542.123,
      source: 's',
      sourcetype: 't',
      event: log(1),
    });
    expect(hecEvent(log(1, 'not a date'), fields)).not.toHaveProperty('time');
  });

  it('splits a batch over maxRequestBytes and, when a part fails, sends only the rest on retry', async () => {
    const handler = splunk({ url: peer.url, token: TOKEN, maxRequestBytes: 4096 });
    peer.scriptAt(2, { status: 503, body: { text: 'Server is busy', code: 9 } });
    const { result } = await ship(tenant(), handler, { batchSize: 100, maxRetries: 3 });
    expect(result.status.error).toBeUndefined();
    expect(storedIds()).toEqual(allIds());
    expect(peer.requests.every((r) => r.body.length <= 4096)).toBe(true);
    // The retry of the first batch started at the part that failed, not at the batch's start.
    const bodies = peer.requests.map((r) => r.body.toString());
    expect(new Set(bodies).size).toBe(bodies.length - 1);
    expect(peer.requests[2]?.body.equals(peer.requests[1]?.body as Buffer)).toBe(true);
  });

  it('retries a busy server (503, code 9) and stops on an invalid token (code 4) without retrying it', async () => {
    const busy = splunk({ url: peer.url, token: TOKEN });
    peer.script({ status: 503, body: { text: 'Server is busy', code: 9 } });
    const error = await failure(busy, [log(1)]);
    expect(error).toBeInstanceOf(DestinationError);
    expect(error.message).toMatch(/Server is busy \(code 9\)/);
    expect(isPermanentError(error)).toBe(false);

    const wrong = splunk({ url: peer.url, token: 'wrong-token-1234567' });
    const invalid = await failure(wrong, [log(1)]);
    expect(invalid).toMatchObject({ code: 'splunk_invalid_token', status: 403, permanent: true });
    expect(invalid.message).toMatch(/Invalid token/);
    // The peer echoed the token: the message must not.
    expect(everything(invalid)).not.toContain('wrong-token-1234567');
  });

  it.each([[{ index: 'nope' }, /Incorrect index \(code 7\)/, 'splunk_incorrect_index']])(
    'makes %j a permanent error naming HEC reason',
    async (options, message, code) => {
      const handler = splunk({ url: peer.url, token: TOKEN, ...options });
      const error = await failure(handler, [log(1)]);
      expect(error.message).toMatch(message);
      expect(error).toMatchObject({ code, permanent: true });
    },
  );

  it('maps HEC codes and plain statuses: data channel (10) permanent with a hint, 500 retried, 2xx without code 0 refused', async () => {
    const handler = splunk({ url: peer.url, token: TOKEN });
    peer.script(
      { status: 400, body: { text: 'Data channel is missing', code: 10 } },
      { status: 502, body: '<html>Bad gateway</html>' },
      { status: 200, body: '<html>portal</html>' },
      { status: 401, body: 'nope' },
      { status: 500, body: { text: 'Something new', code: 99 } },
    );
    const channel = await failure(handler, [log(1)]);
    expect(channel.message).toMatch(/indexer acknowledgement/);
    expect(channel.permanent).toBe(true);
    expect(await failure(handler, [log(1)])).toMatchObject({
      code: 'splunk_http_502',
      permanent: false,
    });
    expect(await failure(handler, [log(1)])).toMatchObject({
      code: 'splunk_invalid_response',
      permanent: false,
    });
    expect(await failure(handler, [log(1)])).toMatchObject({
      code: 'splunk_http_401',
      permanent: true,
    });
    expect(await failure(handler, [log(1)])).toMatchObject({ permanent: false });
  });

  it('stops a run on a permanent error with HEC reason in the status, the token nowhere', async () => {
    const handler = splunk({ url: peer.url, token: 'bad-token-ABCDEFGH' });
    const { result, storage, lines } = await ship(tenant(), handler, {
      maxRetries: 0,
      onBatchFailure: 'stop',
    });
    expect(result.status.error).toMatch(/Invalid token.*\(code 4\)/);
    expect(peer.events).toHaveLength(0);
    expect(everything(result, storage.writes, lines, handler, inspect(handler))).not.toContain(
      'bad-token-ABCDEFGH',
    );
  });

  it('fails without an answer as a retryable network error, naming the code', async () => {
    const handler = splunk({ url: 'http://127.0.0.1:1', token: TOKEN });
    const error = await failure(handler, [log(1)]);
    expect(error).toMatchObject({ code: 'ECONNREFUSED', permanent: false });
    expect(everything(error)).not.toContain(TOKEN);
  });

  it('validates its options, naming each, and never echoes the token', () => {
    expect(() => splunk({ url: 'http://splunk.example:8088', token: TOKEN })).toThrow(
      /`splunk.url` is plain http to splunk.example/,
    );
    expect(() =>
      splunk({ url: 'http://splunk.example:8088', token: TOKEN, allowInsecureHttp: 'true' }),
    ).not.toThrow();
    expect(() => splunk({ url: peer.url, token: '' })).toThrow(/`splunk.token` to be set/);
    expect(() => splunk({ url: peer.url, token: ` ${TOKEN}` })).toThrow(
      expect.objectContaining({ option: 'token', message: expect.not.stringContaining(TOKEN) }),
    );
    expect(() => splunk({ url: peer.url, token: TOKEN, maxRequestBytes: 10 })).toThrow(
      /`splunk.maxRequestBytes` to be an integer from 1024/,
    );
    expect(() => splunk({ url: peer.url, token: TOKEN, sourcetype: 5 as never })).toThrow(
      /`splunk.sourcetype` to be a non-empty string/,
    );
    expect(() => splunk({ url: peer.url, token: TOKEN, tokne: 'x' } as never)).toThrow(
      /Unknown option `splunk.tokne`/,
    );
    expect(() => splunk(null as never)).toThrow(/`splunk` options to be an object/);
  });

  it('keeps a full endpoint path and sends nothing for an empty batch', async () => {
    const handler = splunk({ url: `${peer.url}/services/collector/event`, token: TOKEN });
    expect(handler.destination).toBe(`splunk ${peer.url}/services/collector/event`);
    await handler([]);
    expect(peer.requests).toHaveLength(0);
    await handler([log(1)]);
    expect(peer.events).toHaveLength(1);
  });
});
