import { fanout } from '../../src/destinations/fanout';
import { post } from '../../src/destinations/post';
import { DestinationError } from '../../src/destinations/errors';
import { destinationHandler } from '../../src/destinations/handler';
import { objectGatherer } from '../../src/destinations/objects';
import { randomUUID } from 'node:crypto';
import type { LogEvent } from '../../src/types';
import { parseServeConfig, type TenantConfig } from '../../src/cluster/config';
import { clusterTenant } from '../../src/cluster/tenants';
import { startClusterWorker } from '../../src/cluster/worker';
import type { RunRecord } from '../../src/cluster/run-record';
import { textLine } from '../../src/cli/serve';
import { type Collector, startCollector } from '../support/collector';
import { ship } from '../support/ship';
import { memoryStorage, useTenant } from '../support/tenant';

const TOTAL = 300;
const TENANT = 'acme';
const tenant = useTenant({ logs: TOTAL, seed: 22, startDate: Date.now() - 3600_000 });
let a: Collector;
let b: Collector;

beforeEach(async () => {
  a = await startCollector();
  b = await startCollector();
});
afterEach(async () => {
  await a.close();
  await b.close();
});

const allIds = () => Array.from({ length: TOTAL }, (_, i) => tenant().logIdAt(i));
const ids = (collector: Collector) => collector.batches(TENANT).flatMap((batch) => batch.ids);
const both = () =>
  fanout([
    post({ url: new URL(`${a.url}/${TENANT}`) }),
    post({ url: new URL(`${b.url}/${TENANT}`) }),
  ]);

describe('fanout', () => {
  it('gives each destination every log once from one request stream (as many requests as one destination takes)', async () => {
    tenant().resetStats();
    const alone = post({ url: new URL(`${a.url}/alone`) });
    await ship(tenant(), alone, { batchSize: 100 });
    const oneDestination = tenant().stats().logRequests;
    expect(a.batches('alone').flatMap((batch) => batch.ids)).toEqual(allIds());

    tenant().resetStats();
    const handler = both();
    const { result } = await ship(tenant(), handler, { batchSize: 100 });
    await handler.close();
    expect(result.status.error).toBeUndefined();
    expect(ids(a)).toEqual(allIds());
    expect(ids(b)).toEqual(allIds());
    expect(tenant().stats().logRequests).toBe(oneDestination);
    expect(handler.counts()).toEqual([
      { destination: `${a.url}/${TENANT}`, logs: TOTAL },
      { destination: `${b.url}/${TENANT}`, logs: TOTAL },
    ]);
    expect(handler.destination).toBe(`${a.url}/${TENANT} + ${b.url}/${TENANT}`);
  });

  it.each([
    ['the first', () => a],
    ['the second', () => b],
  ])(
    'an outage of %s destination stops the run for both, and the next run loses nothing in either',
    async (_, down) => {
      const storage = memoryStorage();
      let batches = 0;
      const handler = both();
      // the outage starts once the first batch is acknowledged by both and its checkpoint stored
      const first = await ship(
        tenant(),
        handler,
        {
          batchSize: 100,
          maxRetries: 2,
          onBatchFailure: 'stop',
          onProgress: () => {
            batches += 1;
            if (batches === 1) down().outage = true;
          },
        },
        storage,
      );
      expect(first.result.status.error).toMatch(/503/);
      // the checkpoint stays after the only batch both destinations acknowledged
      expect(first.result.checkpoint).toBe(tenant().logIdAt(99));
      expect(storage.current?.checkpointId).toBe(tenant().logIdAt(99));

      down().outage = false;
      const second = await ship(
        tenant(),
        handler,
        { batchSize: 100, onBatchFailure: 'stop' },
        storage,
      );
      await handler.close();
      expect(second.result.status.error).toBeUndefined();
      for (const collector of [a, b]) {
        // every log once: the batch in flight at the outage was retried, and sent again by the
        // next run, to the destination that had not stored it only
        expect(ids(collector)).toEqual(allIds());
      }
    },
  );

  it('passes on a permanent failure before a transient one, and a whole-batch failure before refused logs', async () => {
    const failing = (error: Error) =>
      destinationHandler(
        'x',
        async () => {
          throw error;
        },
        async () => undefined,
      );
    const transient = new DestinationError('post', 'post_http_503', 'post: 503', {
      permanent: false,
    });
    const permanent = new DestinationError('post', 'post_http_401', 'post: 401', {
      permanent: true,
    });
    const refused = new DestinationError('elastic', 'elastic_refused', 'refused', {
      permanent: true,
      rejected: [{ log_id: 'x', reason: 'mapping' }],
    });
    const logs: LogEvent[] = [{ log_id: '1', date: '2026-01-01T00:00:00.000Z', type: 's' }];
    await expect(fanout([failing(transient), failing(permanent)])(logs)).rejects.toBe(permanent);
    await expect(fanout([failing(refused), failing(transient)])(logs)).rejects.toBe(transient);
    await expect(fanout([failing(refused), failing(refused)])(logs)).rejects.toBe(refused);
  });

  it('sends a batch again to every destination once the fan-out forgot it (a new process): at most the batch in flight twice', async () => {
    const storage = memoryStorage();
    let batches = 0;
    const first = both();
    await ship(
      tenant(),
      first,
      {
        batchSize: 100,
        maxRetries: 0,
        onBatchFailure: 'stop',
        onProgress: () => {
          batches += 1;
          if (batches === 1) b.outage = true;
        },
      },
      storage,
    );
    await first.close();
    b.outage = false;
    const second = both(); // as after a restart
    const { result } = await ship(tenant(), second, { batchSize: 100 }, storage);
    await second.close();
    expect(result.status.error).toBeUndefined();
    expect(ids(b)).toEqual(allIds());
    expect(new Set(ids(a))).toEqual(new Set(allIds()));
    expect(ids(a)).toHaveLength(TOTAL + 100);
  });

  it('gathers with a gathering destination: a failure elsewhere fails the take, and the retry goes to the one that failed only', async () => {
    const objects: string[][] = [];
    const gathering = Object.assign(
      destinationHandler(
        'gathering',
        async () => undefined,
        async () => undefined,
      ),
      objectGatherer(
        { maxLogs: 1000, maxBytes: 1 << 20, maxSeconds: 300, now: () => 0 },
        async (logs) => void objects.push(logs.map((l) => l.log_id as string)),
      ),
    );
    let calls = 0;
    let reopened = 0;
    const flaky = Object.assign(
      destinationHandler(
        'flaky',
        async () => {
          calls += 1;
          if (calls === 1)
            throw new DestinationError('post', 'post_http_503', 'post: 503', { permanent: false });
        },
        async () => undefined,
      ),
      {
        reopen: () => void (reopened += 1),
        drainWarnings: () => [{ code: 'destination_window' as const, message: 'old logs dropped' }],
      },
    );
    const handler = fanout([gathering, flaky]);
    const batch: LogEvent[] = [{ log_id: 'a1', date: '2026-01-01T00:00:00.000Z', type: 's' }];
    await expect(handler.gather?.(batch)).rejects.toThrow('503');
    const taken = await handler.gather?.(batch);
    await handler.flush?.('all');
    await taken?.stored;
    expect(objects).toEqual([['a1']]); // taken once by the gathering one
    expect(calls).toBe(2);
    expect(handler.counts().map((c) => c.logs)).toEqual([1, 1]);
    handler.reopen?.();
    expect(reopened).toBe(1);
    expect(handler.drainWarnings?.()).toEqual([
      { code: 'destination_window', message: 'old logs dropped' },
    ]);
  });

  it("serve: a tenant's destinations list gets every log in each, and the run line names each count", async () => {
    const fake = tenant();
    const config = parseServeConfig({
      redis: 'redis://127.0.0.1:6379',
      tenants: [
        {
          id: 'fan',
          domain: fake.domain,
          clientId: fake.clientId,
          clientSecret: fake.clientSecret,
          intervalSeconds: 1,
          destinations: [
            { post: { url: `${a.url}/${TENANT}` } },
            { post: { url: `${b.url}/${TENANT}` } },
          ],
        },
      ],
    });
    const runs: RunRecord[] = [];
    const worker = await startClusterWorker({
      redis: 'redis://127.0.0.1:6379',
      queue: `fanout-${randomUUID().slice(0, 8)}`,
      tenants: [clusterTenant({ ...(config.tenants[0] as TenantConfig), ca: fake.ca })],
      onRun: (run) => runs.push(run),
    });
    try {
      const deadline = Date.now() + 30_000;
      while (!runs.some((run) => run.stopReason === 'caught_up' && run.logsProcessed > 0)) {
        if (Date.now() > deadline) throw new Error(`no run caught up: ${JSON.stringify(runs)}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      await worker.stop();
    }
    expect(ids(a)).toEqual(allIds());
    expect(ids(b)).toEqual(allIds());
    const run = runs.find((r) => r.logsProcessed > 0) as RunRecord;
    expect(run.destinations).toEqual([
      { destination: `${a.url}/${TENANT}`, logs: TOTAL },
      { destination: `${b.url}/${TENANT}`, logs: TOTAL },
    ]);
    expect(textLine(run)).toContain(
      `each destination: ${a.url}/${TENANT} ${TOTAL} logs, ${b.url}/${TENANT} ${TOTAL} logs`,
    );
  });

  it('refuses fewer than two handlers, naming what it needs', () => {
    expect(() => fanout([])).toThrow('two or more destination handlers');
  });
});
