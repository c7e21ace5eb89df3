import net, { type AddressInfo } from 'node:net';
import type { S3Client } from '@aws-sdk/client-s3';
import { isPermanentError } from '../../src/errors';
import { parseTo } from '../../src/cli/ship/to';
import { objectKey, s3 } from '../../src/destinations/s3';
import type { LogEvent } from '../../src/types';
import { openS3Peer, S3RVER_CREDENTIALS, type S3Peer, storedObjects } from '../support/s3-peer';
import { everything, failure, ship } from '../support/ship';
import { useTenant } from '../support/tenant';

const TOTAL = 250;
const TENANT = 'acme.eu.auth0.com';
const tenant = useTenant({ logs: TOTAL, startDate: Date.now() - 3600_000 });
let peer: S3Peer;
let reader: S3Client;
let s3peer: Awaited<ReturnType<typeof openS3Peer>>;

beforeAll(async () => {
  s3peer = await openS3Peer();
  ({ peer, reader } = s3peer);
});
afterAll(() => s3peer.close());

async function objects(prefix = '') {
  const stored = await storedObjects(reader, peer.bucket, prefix);
  for (const { text } of stored) expect(text.endsWith('\n')).toBe(true);
  return stored;
}

const logs = (count: number, date = '2026-11-30T08:15:42.123Z'): LogEvent[] =>
  Array.from({ length: count }, (_, i) => ({
    log_id: `900202611300815420000000000000000000000000000${String(i).padStart(11, '0')}`,
    date,
    type: 's',
  }));

const destination = (prefix: string, extra = {}) =>
  s3({
    bucket: peer.bucket,
    prefix,
    tenant: TENANT,
    endpoint: peer.endpoint,
    maxAttempts: 1,
    ...extra,
  });

describe('s3', () => {
  it('delivers every log once: gzip NDJSON objects of objectMaxLogs, keyed by tenant, date and first-last log_id', async () => {
    const handler = destination('run/', { objectMaxLogs: 100 });
    const { result } = await ship(tenant(), handler, { batchSize: 100 });
    await handler.close();
    expect(result.status.error).toBeUndefined();
    const stored = await objects('run/');
    expect(stored).toHaveLength(3);
    expect(stored.flatMap((o) => o.logs.map((l) => l.log_id)).sort()).toEqual(
      Array.from({ length: TOTAL }, (_, i) => tenant().logIdAt(i)),
    );
    for (const { key, logs: batch } of stored) {
      const first = batch[0] as LogEvent;
      const day = (first.date as string).slice(0, 10).replace(/-/g, '/');
      expect(key).toBe(
        `run/${TENANT}/${day}/${first.log_id}-${batch[batch.length - 1]?.log_id}.ndjson.gz`,
      );
    }
    expect(stored[0]?.encoding).toBe('gzip');
  });

  it('ships with --to s3://bucket/prefix, the endpoint from AWS_ENDPOINT_URL_S3, the tenant from the domain and object bounds from --to-option', async () => {
    const parsed = parseTo(
      ['s3://audit-logs/cli'],
      ['maxAttempts=1', 'objectMaxLogs=200'],
      { AWS_ENDPOINT_URL_S3: peer.endpoint, AWS_REGION: 'us-east-1' },
      { tenant: tenant().domain },
    );
    if (!parsed) throw new Error('no destination');
    const { result } = await ship(tenant(), parsed.handler, { batchSize: 100 });
    await parsed.handler.close();
    expect(result.status.logsProcessed).toBe(TOTAL);
    const stored = await objects('cli/');
    expect(stored.map((o) => o.logs.length)).toEqual([200, 50]);
    expect(stored[0]?.key.startsWith(`cli/${tenant().domain.replace(':', '_')}/`)).toBe(true);
  });

  it('overwrites the same object when a batch is shipped twice', async () => {
    const handler = destination('twice');
    const batch = logs(40);
    await handler(batch);
    await handler(batch);
    const stored = await objects('twice/');
    expect(stored).toHaveLength(1);
    expect(stored[0]?.logs).toEqual(batch);
  });

  it('stops a run on a bucket that does not exist, naming NoSuchBucket', async () => {
    const handler = s3({
      bucket: 'no-such-bucket',
      tenant: TENANT,
      endpoint: peer.endpoint,
      maxAttempts: 1,
    });
    const error = await failure(handler, logs(1));
    expect(error).toMatchObject({ code: 's3_no_such_bucket', status: 404, permanent: true });
    expect(error.message).toMatch(
      /PutObject s3:\/\/no-such-bucket\/acme\.eu\.auth0\.com\/2026\/11\/30\/.* failed with 404: NoSuchBucket/,
    );
    const { result, lines } = await ship(tenant(), handler, {
      maxRetries: 0,
      onBatchFailure: 'stop',
    });
    expect(result.status.error).toMatch(/NoSuchBucket/);
    expect(lines.join('\n')).toMatch(/NoSuchBucket/);
  });

  it('makes refused credentials permanent and never shows the secret key', async () => {
    // s3rver checks the key id (not version 4 signatures): an unknown id is refused.
    process.env['AWS_ACCESS_KEY_ID'] = 'AKIAIOSFODNN7EXAMPLE';
    process.env['AWS_SECRET_ACCESS_KEY'] = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    try {
      const handler = destination('denied');
      const error = await failure(handler, logs(1));
      expect(isPermanentError(error)).toBe(true);
      expect(error).toMatchObject({ code: 's3_invalid_access_key_id', status: 403 });
      expect(error.message).toMatch(/InvalidAccessKeyId: The AWS Access Key Id you provided/);
      expect(everything(error, handler)).not.toContain('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY');
    } finally {
      process.env['AWS_ACCESS_KEY_ID'] = S3RVER_CREDENTIALS.accessKeyId;
      process.env['AWS_SECRET_ACCESS_KEY'] = S3RVER_CREDENTIALS.secretAccessKey;
    }
  });

  it('retries an unreachable endpoint', async () => {
    const handler = s3({
      bucket: peer.bucket,
      tenant: TENANT,
      endpoint: 'http://127.0.0.1:1',
      maxAttempts: 1,
    });
    const error = await failure(handler, logs(1));
    expect(error.permanent).toBe(false);
    expect(error.message).toMatch(/ECONNREFUSED/);
    await handler.close();
  });

  it('gives up on an upload that gets no answer after timeoutMs, as a retryable error', async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => void sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      const handler = s3({
        bucket: peer.bucket,
        tenant: TENANT,
        endpoint: `http://127.0.0.1:${port}`,
        maxAttempts: 1,
        timeoutMs: 200,
      });
      const error = await failure(handler, logs(1));
      expect(error.permanent).toBe(false);
      expect(error.message).toMatch(/s3: PutObject s3:\/\/audit-logs\/.* failed: \w+/);
      await handler.close();
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('uses a given client, and says how to install the SDK when it is missing', async () => {
    const sent: unknown[] = [];
    const client = { send: async (command: unknown) => void sent.push(command) };
    await s3({ bucket: 'b-1', tenant: 't', client })(logs(2));
    expect(sent).toHaveLength(1);
    const missing = s3({ bucket: 'b-1', tenant: 't' }, undefined, {
      load: () => Promise.reject(new Error("Cannot find module '@aws-sdk/client-s3'")),
    });
    const error = await failure(missing, logs(1));
    expect(error).toMatchObject({ code: 's3_sdk_missing', permanent: true });
    expect(error.message).toMatch(/npm install @aws-sdk\/client-s3/);
  });

  it('makes keys from the prefix, tenant, day and first and last log_id', () => {
    const batch = logs(3);
    const ids = `${batch[0]?.log_id}-${batch[2]?.log_id}`;
    expect(objectKey(batch, 'a/b', 't')).toBe(`a/b/t/2026/11/30/${ids}.ndjson.gz`);
    expect(objectKey(batch, '', 't')).toBe(`t/2026/11/30/${ids}.ndjson.gz`);
    expect(objectKey(logs(1, 'garbled'), '', 't')).toMatch(/^t\/2026\/11\/30\//);
    expect(() => objectKey([{ date: '2026-11-30', type: 's' }], '', 't')).toThrow(
      expect.objectContaining({ code: 's3_no_log_id', permanent: true }),
    );
  });

  it('validates its options, naming each', () => {
    expect(() => s3({ bucket: 'Bad_Bucket', tenant: 't' })).toThrow(
      /`s3.bucket` to be an S3 bucket name/,
    );
    expect(() => s3({ bucket: 'b-1', tenant: 'a/b' })).toThrow(/`s3.tenant` to be one key segment/);
    expect(() => s3({ bucket: 'b-1', tenant: '' })).toThrow(/`s3.tenant` to be set/);
    expect(() => s3({ bucket: 'b-1', tenant: 't', endpoint: 'http://minio.example:9000' })).toThrow(
      /`s3.endpoint` is plain http to minio.example/,
    );
    expect(() => s3({ bucket: 'b-1', tenant: 't', maxAttempts: 0 })).toThrow(/`s3.maxAttempts`/);
    expect(() => s3({ bucket: 'b-1', tenant: 't', client: {} as never })).toThrow(/`s3.client`/);
    expect(s3({ bucket: 'b-1', prefix: '/p/', tenant: 't' }).destination).toBe('s3 s3://b-1/p');
  });
});
