import { gunzipSync } from 'node:zlib';
import type { S3Client } from '@aws-sdk/client-s3';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { runShip } from '../../src/cli/ship/command';
import { LogsProcessor } from '../../src/processor';
import { s3 } from '../../src/destinations/s3';
import { objectGatherer } from '../../src/destinations/objects';
import { fanout } from '../../src/destinations/fanout';
import { elastic } from '../../src/destinations/elastic';
import { startElasticPeer } from '../support/elastic-peer';
import { post } from '../../src/destinations/post';
import { startFakeTenant, type FakeTenant } from '../../src/testing';
import type { LogEvent, StoredState } from '../../src/types';
import { type Collector, startCollector } from '../support/collector';
import { openS3Peer, type S3Peer, storedObjects } from '../support/s3-peer';
import { credentials, memoryStorage } from '../support/tenant';
import { captureIo, ndjsonIds, tempDir } from '../support/cli';

const TENANT = 'acme.eu.auth0.com';
const START = Date.parse('2026-11-30T00:00:00.000Z');
let peer: S3Peer;
let reader: S3Client;
let s3peer: Awaited<ReturnType<typeof openS3Peer>>;

beforeAll(async () => {
  s3peer = await openS3Peer();
  ({ peer, reader } = s3peer);
});
afterAll(() => s3peer.close());

/** Every object under `prefix` (in any bucket), its key and its logs. */
const objects = (prefix: string, bucket = peer.bucket) => storedObjects(reader, bucket, prefix);

/** A simulated clock shared by the tenant, the processor and the destination. */
function clock(start = START) {
  let now = start;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

const ids = (tenant: FakeTenant) =>
  Array.from({ length: tenant.logCount() }, (_, i) => tenant.logIdAt(i));

function processor(tenant: FakeTenant, time: ReturnType<typeof clock>, storage = memoryStorage()) {
  return new LogsProcessor(storage, {
    ...credentials(tenant),
    batchSize: 100,
    onBatchFailure: 'stop',
    now: time.now,
    sleep: async () => undefined,
    random: () => 0,
  });
}

/** An S3 client that keeps each PutObject in memory (key, gzip body), for the day-long run. */
function recordingClient() {
  const puts: Array<{ key: string; logs: LogEvent[] }> = [];
  return {
    puts,
    client: {
      async send(command: unknown) {
        const input = (command as { input: { Key: string; Body: Buffer } }).input;
        const logs = gunzipSync(input.Body)
          .toString()
          .trimEnd()
          .split('\n')
          .map((line) => JSON.parse(line) as LogEvent);
        puts.push({ key: input.Key, logs });
        return {};
      },
    },
  };
}

const log = (i: number, at: number): LogEvent => ({
  log_id: `900${new Date(at).toISOString().replace(/\D/g, '').slice(0, 17)}${String(i).padStart(36, '0')}`,
  date: new Date(at).toISOString(),
  type: 's',
});

describe('s3 objects of a useful size', () => {
  it('a day of 10 s polls (simulated) writes at most 86,400 / objectMaxSeconds objects, every log once', async () => {
    // as the processor drives it: each poll hands over what is new, and its end stores what is due
    const time = clock();
    const { puts, client } = recordingClient();
    const handler = s3({ bucket: peer.bucket, tenant: TENANT, client, now: time.now });
    const gathered: LogEvent[] = [];
    const acknowledged: string[] = [];
    for (let poll = 0; poll < 8640; poll++) {
      if (poll % 3 === 0) {
        const batch = [log(gathered.length, time.now())];
        gathered.push(...batch);
        const { stored } = await handler.gather(batch);
        void stored.then(() => acknowledged.push(...batch.map((l) => l.log_id as string)));
      }
      await handler.flush('due');
      time.advance(10_000);
    }
    await handler.flush('all');
    await new Promise((resolve) => setImmediate(resolve));
    expect(puts.length).toBeLessThanOrEqual(86_400 / 300);
    // an object opens with the first log after the last one was stored (a log every 30 s)
    expect(puts.length).toBeGreaterThanOrEqual(Math.floor(86_400 / (300 + 30)));
    expect(puts.flatMap((p) => p.logs)).toEqual(gathered);
    // a batch is acknowledged once its object is stored, never before
    expect(acknowledged).toEqual(gathered.map((l) => l.log_id));
    expect(puts[0]?.key).toBe(
      `${TENANT}/2026/11/30/${gathered[0]?.log_id}-${puts[0]?.logs.at(-1)?.log_id}.ndjson.gz`,
    );
  });

  it('through the processor: polls every 10 s hold batches until their object is stored, and the checkpoint follows the objects', async () => {
    const time = clock();
    const tenant = await startFakeTenant({ logs: 0, now: time.now, startDate: START, seed: 7 });
    try {
      const handler = s3({
        bucket: peer.bucket,
        prefix: 'polls',
        tenant: TENANT,
        endpoint: peer.endpoint,
        maxAttempts: 1,
        objectMaxSeconds: 60,
        now: time.now,
      });
      const storage = memoryStorage();
      const shipper = processor(tenant, time, storage);
      const checkpoints: Array<string | null> = [];
      for (let poll = 0; poll < 30; poll++) {
        tenant.addLogs(2);
        const { status } = await shipper.run(handler, { hold: true });
        expect(status.error).toBeUndefined();
        checkpoints.push(storage.current?.checkpointId ?? null);
        time.advance(10_000);
      }
      // 300 s of polls, objects of 60 s: four stored, the fifth held
      const before = await objects('polls/');
      expect(before).toHaveLength(4);
      const inObjects = before.flatMap((o) => o.logs.map((l) => l.log_id));
      // the stored checkpoint is the last log of a stored object, never past one
      expect(storage.current?.checkpointId).toBe(inObjects.at(-1));
      expect(new Set(checkpoints).size).toBe(5); // null, then once per object
      expect(shipper.heldBatches).toBeGreaterThan(0);
      // the end (ship's SIGTERM): a run with an aborted signal stores what is held
      const last = await shipper.run(handler, { signal: AbortSignal.abort() });
      await handler.close();
      expect(last.status.error).toBeUndefined();
      const stored = await objects('polls/');
      expect(stored).toHaveLength(5);
      expect(stored.flatMap((o) => o.logs.map((l) => l.log_id)).sort()).toEqual(ids(tenant));
      expect(storage.current?.checkpointId).toBe(tenant.logIdAt(tenant.logCount() - 1));
    } finally {
      await tenant.close();
    }
  });

  it('a crash before an object is stored ships its logs again into a new object: nothing lost, nothing twice', async () => {
    const time = clock();
    const tenant = await startFakeTenant({ logs: 0, now: time.now, startDate: START, seed: 9 });
    try {
      const storage = memoryStorage();
      const make = () =>
        s3({
          bucket: peer.bucket,
          prefix: 'crash',
          tenant: TENANT,
          endpoint: peer.endpoint,
          maxAttempts: 1,
          objectMaxSeconds: 100,
          now: time.now,
        });
      const first = make();
      const crashed = processor(tenant, time, storage);
      for (let poll = 0; poll < 15; poll++) {
        tenant.addLogs(3);
        await crashed.run(first, { hold: true });
        time.advance(10_000);
      }
      // the process dies: the open object (50 s of logs) is never stored, its checkpoint neither
      const stored = await objects('crash/');
      expect(stored).toHaveLength(1);
      expect(storage.current?.checkpointId).toBe(stored[0]?.logs.at(-1)?.log_id);
      const second = make();
      const { status } = await processor(tenant, time, storage).run(second);
      await second.close();
      expect(status.error).toBeUndefined();
      const after = await objects('crash/');
      expect(after).toHaveLength(2);
      expect(after.flatMap((o) => o.logs.map((l) => l.log_id)).sort()).toEqual(ids(tenant));
    } finally {
      await tenant.close();
    }
  });

  it('with another destination: an S3 outage stops both, and the next run loses nothing in either', async () => {
    const time = clock();
    const tenant = await startFakeTenant({
      logs: 250,
      now: time.now,
      startDate: START - 3600_000,
      seed: 3,
    });
    const collector: Collector = await startCollector();
    const bucket = 'late-bucket';
    try {
      const storage = memoryStorage();
      const make = () =>
        fanout([
          post({ url: new URL(`${collector.url}/acme`) }),
          s3({ bucket, tenant: TENANT, endpoint: peer.endpoint, maxAttempts: 1, now: time.now }),
        ]);
      const down = make();
      const failed = await processor(tenant, time, storage).run(down);
      await down.close();
      expect(failed.status.error).toMatch(/NoSuchBucket/);
      expect(storage.current?.checkpointId ?? null).toBeNull();

      await reader.send(new CreateBucketCommand({ Bucket: bucket }));
      const up = make();
      const again = await processor(tenant, time, storage).run(up);
      await up.close();
      expect(again.status.error).toBeUndefined();
      const stored = await objects('', bucket);
      expect(stored.flatMap((o) => o.logs.map((l) => l.log_id)).sort()).toEqual(ids(tenant));
      const posted = collector.batches('acme').flatMap((b) => b.ids);
      expect(new Set(posted)).toEqual(new Set(ids(tenant)));
      // the collector stored the batches S3 did not: the first run's, at most, again
      expect(posted.length - ids(tenant).length).toBeLessThanOrEqual(250);
      expect(up.counts().map((c) => c.logs)).toEqual([250, 250]);
    } finally {
      await collector.close();
      await tenant.close();
    }
  });
});

async function objectIds(prefix: string): Promise<string[][]> {
  return (await objects(prefix)).map(({ text }) => ndjsonIds(text));
}

describe('a fan-out with S3 and Elasticsearch', () => {
  it('a document Elasticsearch refuses for good goes to the dead letter once S3 stored its batch; nothing else stops', async () => {
    const time = clock();
    const tenant = await startFakeTenant({
      logs: 150,
      now: time.now,
      startDate: START - 3600_000,
      seed: 4,
    });
    const es = await startElasticPeer('ApiKey ZmFub3V0OmtleQ==');
    es.refuseAlways(tenant.logIdAt(42), {
      status: 400,
      type: 'mapper_parsing_exception',
      reason: 'failed to parse field [details.error]',
    });
    try {
      const handler = fanout([
        elastic({ url: es.url, apiKey: 'ZmFub3V0OmtleQ==' }),
        s3({
          bucket: peer.bucket,
          prefix: 'refused',
          tenant: TENANT,
          endpoint: peer.endpoint,
          maxAttempts: 1,
          now: time.now,
        }),
      ]);
      const dead: string[] = [];
      const storage = memoryStorage();
      const { status, checkpoint } = await new LogsProcessor(storage, {
        ...credentials(tenant),
        batchSize: 100,
        onBatchFailure: 'stop',
        deadLetter: async (entries) => {
          // the object holding the batch is stored by then
          expect((await objects('refused/')).length).toBe(1);
          dead.push(...entries.map((e) => e.log_id));
        },
        now: time.now,
        sleep: async () => undefined,
      }).run(handler);
      await handler.close();
      expect(status.error).toBeUndefined();
      expect(status.logsDeadLettered).toBe(1);
      expect(dead).toEqual([tenant.logIdAt(42)]);
      expect(checkpoint).toBe(tenant.logIdAt(149));
      expect((await objects('refused/')).flatMap((o) => o.logs.map((l) => l.log_id))).toEqual(
        ids(tenant),
      );
      expect(es.docs.size).toBe(149);
    } finally {
      await es.close();
      await tenant.close();
    }
  });
});

describe('ship --follow --out and --to s3', () => {
  it('polls every 10 s (simulated) into one file and S3 objects of objectMaxSeconds; a signal stores the object held', async () => {
    const dir = await tempDir();
    const tenant = await startFakeTenant({ logs: 250, seed: 8 });
    try {
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
      // off a terminal, a run line per poll (and per interval while a poll catches up), nothing else
      const lines = capture.stderr().trimEnd().split('\n');
      expect(lines.length).toBeGreaterThan(1);
      expect(
        lines.filter(
          (l) =>
            !/^\S+Z \S+: \d+ logs shipped, (caught_up|so far, catching up)(; lag [^-;]+)?$/.test(l),
        ),
      ).toEqual([]);
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
    } finally {
      await tenant.close();
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

describe('objectGatherer', () => {
  const batch = (from: number, n: number) =>
    Array.from({ length: n }, (_, i) => log(from + i, START));
  const gatherer = (bounds: Partial<Parameters<typeof objectGatherer>[0]>, fail = () => false) => {
    const stored: LogEvent[][] = [];
    const objects = objectGatherer(
      { maxLogs: 1000, maxBytes: 1 << 20, maxSeconds: 300, now: () => START, ...bounds },
      async (logs, ndjson) => {
        if (fail()) throw new Error('PutObject failed');
        expect(ndjson.split('\n')).toHaveLength(logs.length + 1);
        stored.push(logs);
      },
    );
    return { objects, stored };
  };

  it('stores an object before a batch would take it past maxLogs or maxBytes, and at the bound itself', async () => {
    const byCount = gatherer({ maxLogs: 5 });
    await byCount.objects.gather(batch(0, 2));
    await byCount.objects.gather(batch(2, 2));
    await byCount.objects.gather(batch(4, 2)); // 6 > 5: the first two batches go first
    await byCount.objects.gather(batch(6, 3)); // 5: stored at once
    expect(byCount.stored.map((o) => o.length)).toEqual([4, 5]);

    const line = Buffer.byteLength(`${JSON.stringify(log(0, START))}\n`);
    const byBytes = gatherer({ maxBytes: line * 3 });
    await byBytes.objects.gather(batch(0, 2));
    await byBytes.objects.gather(batch(2, 2));
    await byBytes.objects.gather(batch(4, 5)); // bigger than an object: one of its own
    expect(byBytes.stored.map((o) => o.length)).toEqual([2, 2, 5]);
  });

  it('takes a retried batch once, and objectMaxSeconds 0 stores each batch as it comes', async () => {
    const { objects, stored } = gatherer({});
    const first = await objects.gather(batch(0, 3));
    const again = await objects.gather(batch(0, 3));
    expect(again.stored).toBe(first.stored);
    await objects.flush('due'); // not due: 0 s old
    expect(stored).toEqual([]);
    await objects.flush('all');
    await first.stored;
    expect(stored).toEqual([batch(0, 3)]);

    const each = gatherer({ maxSeconds: 0 });
    await each.objects.gather(batch(0, 2));
    await each.objects.gather(batch(2, 2));
    expect(each.stored.map((o) => o.length)).toEqual([2, 2]);
  });

  it('a failed store rejects its batches only; the next object is a new one', async () => {
    let failing = true;
    const { objects, stored } = gatherer({}, () => failing);
    const lost = await objects.gather(batch(0, 2));
    await objects.flush('all');
    await expect(lost.stored).rejects.toThrow('PutObject failed');
    failing = false;
    const next = await objects.gather(batch(0, 2)); // read again from the checkpoint
    await objects.flush('all');
    await next.stored;
    expect(stored).toEqual([batch(0, 2)]);
  });
});
