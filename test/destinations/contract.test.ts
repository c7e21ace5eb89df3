import { promises as fs } from 'node:fs';
import path from 'node:path';
import {
  DESTINATION_KINDS,
  DESTINATION_SPECS,
  type DestinationConfig,
  type DestinationContext,
  createDestination,
} from '../../src/destinations/config';
import { DestinationError, isDestinationError } from '../../src/destinations/errors';
import { isPermanentError } from '../../src/errors';
import type { LogEvent } from '../../src/types';
import { tempDir } from '../support/cli';
import { type Peer, startPeer } from '../support/peer';

const logs: LogEvent[] = [{ log_id: '90020240501', date: '2024-05-01T10:00:00.000Z', type: 's' }];

let peer: Peer;
let dir: string;
const awsBefore = { ...process.env };

beforeAll(async () => {
  dir = await tempDir();
  // every HTTP destination meets an endpoint that refuses the batch for good
  peer = await startPeer((request) =>
    request.method === 'PUT'
      ? {
          status: 403,
          headers: { 'content-type': 'application/xml' },
          body: '<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>',
        }
      : { status: 400, body: { error: 'refused', text: 'Invalid data format', code: 6 } },
  );
  process.env['AWS_ACCESS_KEY_ID'] = 'AKIAIOSFODNN7EXAMPLE';
  process.env['AWS_SECRET_ACCESS_KEY'] = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
});

afterAll(async () => {
  process.env = awsBefore;
  await peer.close();
  await fs.rm(dir, { recursive: true, force: true });
});

/** Per kind of the spec table: a configuration whose first batch fails for good. */
const permanentFailures: Record<
  string,
  () => { config: DestinationConfig; context?: DestinationContext }
> = {
  file: () => ({ config: { kind: 'file', address: path.join(dir, 'no-such-folder', 'x.ndjson') } }),
  stdout: () => ({
    config: { kind: 'stdout' },
    context: {
      stdout: {
        write: (_chunk, callback) => {
          callback?.(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
          return false;
        },
      },
    },
  }),
  post: () => ({
    config: { kind: 'post', address: `${peer.url}/logs`, options: { headers: { 'X-Key': 'k' } } },
  }),
  splunk: () => ({
    config: { kind: 'splunk', address: peer.url },
    context: { env: { SPLUNK_HEC_TOKEN: 'tok-123456' } },
  }),
  datadog: () => ({
    config: { kind: 'datadog', address: peer.url },
    context: { env: { DD_API_KEY: 'dd-key-123456' } },
  }),
  elastic: () => ({
    config: { kind: 'elastic', address: peer.url },
    context: { env: { ELASTIC_API_KEY: 'es-key-123456' } },
  }),
  s3: () => ({
    config: {
      kind: 's3',
      address: 's3://bucket-1/auth0',
      options: { endpoint: peer.url, forcePathStyle: 'true', region: 'us-east-1', maxAttempts: 1 },
    },
    context: { tenant: 'acme.auth0.com' },
  }),
};

describe('one destination contract', () => {
  it('has one row per destination in the spec table; --to and serve name the remote ones', () => {
    expect(Object.keys(DESTINATION_SPECS).sort()).toEqual(
      ['datadog', 'elastic', 'file', 'post', 's3', 'splunk', 'stdout'].sort(),
    );
    expect(Object.keys(permanentFailures).sort()).toEqual(Object.keys(DESTINATION_SPECS).sort());
    expect(DESTINATION_KINDS).toEqual(['splunk', 'datadog', 'elastic', 's3']);
  });

  it.each(Object.keys(DESTINATION_SPECS))(
    '%s: built through createDestination, rejects a refused batch with a permanent DestinationError',
    async (kind) => {
      const { config, context } = (
        permanentFailures[kind] as () => {
          config: DestinationConfig;
          context?: DestinationContext;
        }
      )();
      const handler = createDestination(config, context);
      expect(typeof handler).toBe('function');
      expect(typeof handler.destination).toBe('string');
      const error: unknown = await handler(logs).then(
        () => undefined,
        (e: unknown) => e,
      );
      await handler.close();
      await handler.close();
      expect(error).toBeInstanceOf(DestinationError);
      expect(isDestinationError(error)).toBe(true);
      expect(error).toMatchObject({ destination: kind, permanent: true });
      expect(Object.getOwnPropertyDescriptor(error, 'permanent')?.value).toBe(true);
      expect(isPermanentError(error)).toBe(true);
      expect(typeof (error as DestinationError).code).toBe('string');
    },
  );

  it('keeps the system code as a typed field: ENOENT for a file in a missing folder, EPIPE for stdout', async () => {
    const file = createDestination({ kind: 'file', address: path.join(dir, 'gone', 'x') });
    await expect(file(logs)).rejects.toMatchObject({ code: 'ENOENT', systemCode: 'ENOENT' });
    let closed = 0;
    const out = createDestination(
      { kind: 'stdout' },
      {
        onClosed: () => (closed += 1),
        stdout: {
          write: (_c, cb) => (cb?.(Object.assign(new Error('x'), { code: 'EPIPE' })), false),
        },
      },
    );
    await expect(out(logs)).rejects.toMatchObject({ code: 'EPIPE', systemCode: 'EPIPE' });
    await expect(out(logs)).rejects.toMatchObject({ code: 'EPIPE', permanent: true });
    expect(closed).toBe(1);
  });

  it('refuses a folder for the file destination at once, and a bad post address by name', () => {
    expect(() => createDestination({ kind: 'file', address: dir })).toThrow(DestinationError);
    expect(() =>
      createDestination(
        { kind: 'post', address: 'ftp://x' },
        { addressName: 'tenants.a.post.url' },
      ),
    ).toThrow(/`tenants.a.post.url` to be an http\(s\) URL/);
    expect(() =>
      createDestination({ kind: 'post', address: 'https://x', options: { headers: { a: 1 } } }),
    ).toThrow(/`options.headers` to be an object of header names to strings/);
  });
});
