import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import type { LogEvent } from '../../src/types';

/** A real S3 peer (s3rver) on loopback, with one bucket, storing under a temporary folder. */
export interface S3Peer {
  readonly endpoint: string;
  readonly bucket: string;
  close(): Promise<void>;
}

/** s3rver's built-in credentials. */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export async function startS3Peer(bucket = 'audit-logs'): Promise<S3Peer> {
  const directory = mkdtempSync(path.join(tmpdir(), 's3rver-'));
  const server = new S3rver({
    port: 0,
    address: '127.0.0.1',
    silent: true,
    directory,
    configureBuckets: [{ name: bucket, configs: [] }],
  });
  const address = (await server.run()) as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    bucket,
    async close() {
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** An object as stored, gunzipped: its key, its Content-Encoding, its text and its logs. */
export interface StoredObject {
  key: string;
  encoding: string | undefined;
  text: string;
  /** One JSON log a line. */
  logs: LogEvent[];
}

/** Every object under `prefix` in `bucket`, read back through `reader` (every page of the listing). */
export async function storedObjects(
  reader: S3Client,
  bucket: string,
  prefix = '',
): Promise<StoredObject[]> {
  const out: StoredObject[] = [];
  let token: string | undefined;
  do {
    const list = await reader.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const { Key } of list.Contents ?? []) {
      const object = await reader.send(new GetObjectCommand({ Bucket: bucket, Key }));
      const body = Buffer.from(
        await (
          object.Body as { transformToByteArray(): Promise<Uint8Array> }
        ).transformToByteArray(),
      );
      const text = gunzipSync(body).toString();
      out.push({
        key: Key as string,
        encoding: object.ContentEncoding,
        text,
        logs: text
          .trimEnd()
          .split('\n')
          .map((line) => JSON.parse(line) as LogEvent),
      });
    }
    token = list.NextContinuationToken;
  } while (token);
  return out;
}

/**
 * A peer for a test file, with what our S3 destination reads from the environment set to reach it
 * (s3rver's credentials, a region) and a client reading it back; `close` stops it and restores the
 * environment as it was.
 */
export async function openS3Peer(): Promise<{
  peer: S3Peer;
  reader: S3Client;
  close(): Promise<void>;
}> {
  const saved = { ...process.env };
  const peer = await startS3Peer();
  process.env['AWS_ACCESS_KEY_ID'] = S3RVER_CREDENTIALS.accessKeyId;
  process.env['AWS_SECRET_ACCESS_KEY'] = S3RVER_CREDENTIALS.secretAccessKey;
  process.env['AWS_REGION'] = 'us-east-1';
  const reader = new S3Client({
    endpoint: peer.endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: S3RVER_CREDENTIALS,
  });
  return {
    peer,
    reader,
    async close() {
      process.env = saved;
      reader.destroy();
      await peer.close();
    },
  };
}
