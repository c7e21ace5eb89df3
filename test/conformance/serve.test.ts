import { randomUUID } from 'node:crypto';
import { startClusterWorker } from '../../src/cluster';
import type { RunRecord } from '../../src/cluster/run-record';
import type { FakeTenantStats } from '../../src/testing';
import { credentials } from '../support/tenant';
import {
  BATCH,
  MAX_RUNS,
  Sink,
  cellsOf,
  expectPromise,
  idsOf,
  instantTiming,
  startCellTenant,
  type Cell,
  type CellTenant,
} from './cells';

const ENTRY_POINTS = ['serveRedis', 'servePostgres'] as const;
const REDIS = 'redis://127.0.0.1:6379';
const POSTGRES = 'postgres://postgres@127.0.0.1:5432/test';
/** Longest wait for every cell of a worker to be shipped (they run side by side). */
const SERVE_BOUND_MS = 40_000;

interface Slot {
  cell: Cell;
  t: CellTenant;
  sink: Sink;
  /** Runs until every log was shipped and the tenant's stats then. */
  runs: number;
  doneAt?: { runs: number; stats: FakeTenantStats };
  /** Set once it ran more than {@link MAX_RUNS} times without shipping everything. */
  over?: boolean;
}

const run = cellsOf(ENTRY_POINTS, true);
const skipped = cellsOf(ENTRY_POINTS, false);
const slots = new Map<string, Slot>();

/**
 * One cluster worker per storage ships every cell of it as a tenant of its own (a unique queue),
 * each with its own fake tenant, destination and faults; the worker stops once every cell's logs
 * were shipped (or after {@link SERVE_BOUND_MS}).
 */
async function serveAll(entry: Cell['entry']): Promise<void> {
  const mine: Slot[] = [];
  for (const [, cell] of run.filter(([, c]) => c.entry === entry)) {
    const t = await startCellTenant(cell);
    const slot: Slot = { cell, t, sink: new Sink(cell, () => t.strike()), runs: 0 };
    slots.set(cell.name, slot);
    mine.push(slot);
  }
  const last = (slot: Slot) => slot.t.tenant.logIdAt(slot.t.countAtStart - 1);
  const worker = await startClusterWorker({
    redis: REDIS,
    ...(entry === 'servePostgres' ? { postgres: POSTGRES } : {}),
    queue: `conformance-${randomUUID().slice(0, 8)}`,
    leaseSeconds: 30,
    maxBackoffSeconds: 1,
    tenants: mine.map((slot, i) => ({
      id: `cell${i}`,
      intervalSeconds: 1,
      processor: {
        ...credentials(slot.t.tenant),
        ...instantTiming(),
        batchSize: BATCH,
        onBatchFailure: 'stop',
        logger: { debug: () => undefined, info: () => undefined, error: () => undefined },
      },
      handler: async (logs) => slot.sink.deliver(idsOf(logs)),
    })),
    onRun: (record: RunRecord) => {
      const slot = mine[Number(record.tenant.slice(4))];
      if (!slot || record.skipped || slot.doneAt) return;
      slot.runs += 1;
      if (record.stopReason === 'caught_up' && slot.sink.ids().includes(last(slot)))
        slot.doneAt = { runs: slot.runs, stats: slot.t.tenant.stats() };
      else if (slot.runs > MAX_RUNS) slot.over = true;
    },
  });
  const deadline = Date.now() + SERVE_BOUND_MS;
  while (mine.some((slot) => !slot.doneAt && !slot.over) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    // serve runs a tenant while it is behind (no run-time cap by default): a run on a tenant
    // that keeps growing may go on chasing it, so such a cell is done once every log that
    // existed at its start arrived, counting the run in progress
    for (const slot of mine) {
      if (slot.doneAt || slot.cell.shape !== 'growth') continue;
      if (slot.sink.ids().includes(last(slot)))
        slot.doneAt = { runs: slot.runs + 1, stats: slot.t.tenant.stats() };
    }
  }
  await worker.stop();
}

beforeAll(async () => {
  await Promise.all(ENTRY_POINTS.map(serveAll));
}, SERVE_BOUND_MS + 30_000);

afterAll(async () => {
  await Promise.all([...slots.values()].map((slot) => slot.t.close()));
});

describe(`conformance: serve on Redis and on PostgreSQL (${run.length} cells run, ${skipped.length} skipped)`, () => {
  test.each(run)('%s', (_, cell) => {
    const slot = slots.get(cell.name)!;
    expect(slot.doneAt).toBeDefined();
    expectPromise(cell, slot.t, {
      delivered: slot.sink.ids(),
      runs: slot.doneAt?.runs ?? slot.runs,
      ...(slot.doneAt ? { stats: slot.doneAt.stats } : {}),
    });
  });
  if (skipped.length > 0) test.skip.each(skipped)('%s', () => undefined);
});
