import { promises as fs } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { runShip } from '../../../src/cli/ship/command';
import { startFakeTenant, type FakeTenant } from '../../../src/testing';
import type { StoredState } from '../../../src/types';
import { S3RVER_CREDENTIALS, type S3Peer, startS3Peer } from '../../support/s3-peer';
import { captureIo, ndjsonIds, tempDir } from '../../support/cli';

let dir: string;
let tenant: FakeTenant;
let peer: S3Peer;
const saved = { ...process.env };

beforeAll(async () => {
  dir = await tempDir();
  tenant = await startFakeTenant({ logs: 250, seed: 8 });
  peer = await startS3Peer();
  // the AWS SDK reads its credentials from the process's environment
  process.env['AWS_ACCESS_KEY_ID'] = S3RVER_CREDENTIALS.accessKeyId;
  process.env['AWS_SECRET_ACCESS_KEY'] = S3RVER_CREDENTIALS.secretAccessKey;
});
afterAll(async () => {
  process.env = saved;
  await peer.close();
  await tenant.close();
  await fs.rm(dir, { recursive: true, force: true });
});

async function objectIds(prefix: string): Promise<string[][]> {
  const reader = new S3Client({
    endpoint: peer.endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: S3RVER_CREDENTIALS,
  });
  try {
    const list = await reader.send(
      new ListObjectsV2Command({ Bucket: peer.bucket, Prefix: prefix }),
    );
    const out: string[][] = [];
    for (const { Key } of list.Contents ?? []) {
      const object = await reader.send(new GetObjectCommand({ Bucket: peer.bucket, Key }));
      const body = Buffer.from(
        await (
          object.Body as { transformToByteArray(): Promise<Uint8Array> }
        ).transformToByteArray(),
      );
      out.push(ndjsonIds(gunzipSync(body).toString()));
    }
    return out;
  } finally {
    reader.destroy();
  }
}

describe('ship --follow --out and --to s3', () => {
  it('polls every 10 s (simulated) into one file and S3 objects of objectMaxSeconds; a signal stores the object held', async () => {
    const caFile = path.join(dir, 'ca.pem');
    const state = path.join(dir, 'state.json');
    const out = path.join(dir, 'logs.ndjson');
    await fs.writeFile(caFile, tenant.ca);
    const controller = new AbortController();
    let clock = Date.parse('2026-01-01T00:00:00Z');
    let polls = 0;
    const checkpoints: Array<string | null> = [];
    const capture = captureIo({
      env: {
        AUTH0_DOMAIN: tenant.domain,
        AUTH0_CLIENT_ID: tenant.clientId,
        AUTH0_CLIENT_SECRET: tenant.clientSecret,
        AWS_ENDPOINT_URL_S3: peer.endpoint,
        AWS_REGION: 'us-east-1',
      },
      signal: controller.signal,
      timing: {
        now: () => clock,
        random: () => 1,
        sleep: async (ms) => {
          clock += ms;
          polls += 1;
          const doc = JSON.parse(await fs.readFile(state, 'utf8')) as StoredState;
          checkpoints.push(doc.checkpointId ?? null);
          if (polls < 9) tenant.addLogs(2);
          else controller.abort();
        },
      },
    });
    const code = await runShip(
      [
        '--ca-file',
        caFile,
        '--state',
        state,
        '--follow',
        '--interval',
        '10',
        '--json',
        '--out',
        out,
        '--to',
        `s3://${peer.bucket}/follow`,
        '--to-option',
        's3.objectMaxSeconds=60',
        '--to-option',
        'maxAttempts=1',
      ],
      capture.io,
    );
    expect(capture.stderr()).toBe('');
    expect(code).toBe(0);
    const all = Array.from({ length: tenant.logCount() }, (_, i) => tenant.logIdAt(i));
    expect(ndjsonIds(await fs.readFile(out, 'utf8'))).toEqual(all);
    const objects = await objectIds('follow/');
    // the backlog and the first minute's polls in one object; the rest stored at the signal
    expect(objects).toHaveLength(2);
    expect(objects.flat()).toEqual(all);
    // the checkpoint waited for the first object (60 s), then followed it
    expect(checkpoints.slice(0, 5).every((c) => c === null)).toBe(true);
    expect(checkpoints.at(-1)).toBe(objects[0]?.at(-1));
    const summary = JSON.parse(capture.stdout()) as { checkpoint: string; destinations: unknown };
    expect(summary.checkpoint).toBe(all.at(-1));
  });
});
