import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  FAKE_TENANT_SHAPES,
  startFakeTenant,
  type FakeTenant,
  type FakeTenantOptions,
  type FakeTenantStats,
} from '../../src/testing';

/**
 * The conformance matrix of issue 19: every entry point × every tenant shape × every fault, each
 * cell asserting the one promise (every log once, at most one batch twice per kill; in `log_id`
 * order per destination; finished within bounded runs and requests). Cells that cannot apply are
 * listed with the reason they are skipped.
 */

export const ENTRIES = [
  'processor',
  'backfill8',
  'stream',
  'ship',
  'follow',
  'serveRedis',
  'servePostgres',
] as const;
export type Entry = (typeof ENTRIES)[number];

export const SHAPES = [
  'even',
  'realistic',
  'burst',
  'quietDays',
  'late',
  'retention',
  'growth',
] as const;
export type Shape = (typeof SHAPES)[number];

export const FAULTS = [
  'none',
  'outage',
  'sigkill',
  'rateLimitStorm',
  'tokenRevoked',
  'clockAhead',
  'clockBehind',
] as const;
export type Fault = (typeof FAULTS)[number];

export interface Cell {
  entry: Entry;
  shape: Shape;
  fault: Fault;
  /** Why the cell cannot apply; it is listed skipped. */
  skip?: string;
  name: string;
}

/** Logs a batch holds (every entry point uses the default, 100). */
export const BATCH = 100;
/** Most runs (or stream restarts) an entry point may need to finish a cell. */
export const MAX_RUNS = 8;
/** Destination failures in a row during an outage (fewer than the default 5 retries... or not). */
export const OUTAGE_FAILURES = 7;
/** 429 answers in a row during a storm (more than the default 5 retries: a run may end on it). */
export const STORM_429 = 7;
const HOUR = 3600_000;
/** How far the retention shape's tenant clock jumps after the first batch: expires logs unread. */
export const RETENTION_JUMP_MS = 10 * HOUR;

function skipReason(entry: Entry, fault: Fault): string | undefined {
  if (fault === 'sigkill' && entry !== 'ship' && entry !== 'follow') {
    if (entry.startsWith('serve'))
      return 'a worker killed with SIGKILL is the failover proof of test/cluster/failover.test.ts';
    return 'an in-process library cannot be SIGKILLed here; test/crash.test.ts kills it in a child';
  }
  if (fault === 'outage' && entry === 'stream')
    return 'the stream has no destination: its reader is the consumer';
  return undefined;
}

/** Every cell of the matrix, skipped ones included. */
export const MATRIX: Cell[] = ENTRIES.flatMap((entry) =>
  SHAPES.flatMap((shape) =>
    FAULTS.map((fault) => {
      const skip = skipReason(entry, fault);
      const name = `${entry} × ${shape} × ${fault}`;
      return skip === undefined
        ? { entry, shape, fault, name }
        : { entry, shape, fault, skip, name };
    }),
  ),
);

/** The cells of some entry points, as `test.each` rows (`[name, cell]`). */
export function cellsOf(entries: readonly Entry[], run: boolean): Array<[string, Cell]> {
  return MATRIX.filter(
    (cell) => entries.includes(cell.entry) && (cell.skip === undefined) === run,
  ).map((cell) => [cell.skip === undefined ? cell.name : `${cell.name}: ${cell.skip}`, cell]);
}

/**
 * A shape's tenant options. Presets are the testing kit's `FAKE_TENANT_SHAPES`, made small enough
 * for the budget (the burst keeps its density: 60 ms between failed logins, so late ones sort
 * before smaller ids; `late` keeps its 1.8 s spacing); `retention` and `growth` are the realistic
 * shape with logs expiring, or written, while the run goes on.
 */
function shapeOptions(shape: Shape, tenantNow: number): FakeTenantOptions {
  const burst = FAKE_TENANT_SHAPES.burst;
  switch (shape) {
    case 'even':
      return { ...FAKE_TENANT_SHAPES.even, logs: 300 };
    case 'realistic':
      return { ...FAKE_TENANT_SHAPES.realistic, logs: 300 };
    case 'burst':
      return {
        ...burst,
        logs: 200,
        bursts: burst.bursts.map((b) => ({ ...b, logs: 600, seconds: 36 })),
      };
    case 'quietDays':
      return { ...FAKE_TENANT_SHAPES.quietDays };
    case 'late':
      return { ...FAKE_TENANT_SHAPES.late, logs: 500, endDate: '2024-03-04T12:15:00.000Z' };
    case 'retention':
      return {
        ...FAKE_TENANT_SHAPES.realistic,
        logs: 300,
        retentionDays: 1,
        startDate: tenantNow - 25 * HOUR,
      };
    case 'growth':
      return { ...FAKE_TENANT_SHAPES.realistic, logs: 300, growth: 40 };
  }
}

/** How far a growing tenant's clock moves each time it is read (see {@link startCellTenant}). */
const GROWTH_TICK_MS = 5;

/** A cell's fake tenant and what the test needs to know of it. */
export interface CellTenant {
  tenant: FakeTenant;
  /** Logs written when the entry point started (every one must be shipped unless it expired). */
  countAtStart: number;
  /** Called once, after the first batch reached the destination (the fault strikes then). */
  strike(): void;
  close(): Promise<void>;
}

/** Starts the cell's tenant: its shape, and the faults that live in the tenant (clock, 429, token). */
export async function startCellTenant(cell: Cell): Promise<CellTenant> {
  let shift = cell.fault === 'clockAhead' ? HOUR : cell.fault === 'clockBehind' ? -HOUR : 0;
  // A growing tenant's clock moves by a fixed step each time the tenant reads it (on each request)
  // instead of with the wall clock: the logs it writes while a run goes on depend on the requests
  // made, never on how fast this machine is (a loaded one read slower than 40 logs/s of real time)
  const started = Date.now();
  let ticks = 0;
  const now =
    cell.shape === 'growth'
      ? () => started + shift + (ticks += GROWTH_TICK_MS)
      : () => Date.now() + shift;
  const tenant = await startFakeTenant({ ...shapeOptions(cell.shape, now()), now, seed: 19 });
  let struck = false;
  return {
    tenant,
    countAtStart: tenant.logCount(),
    strike() {
      if (struck) return;
      struck = true;
      if (cell.shape === 'retention') shift += RETENTION_JUMP_MS;
      if (cell.fault === 'tokenRevoked') tenant.expireTokens();
      if (cell.fault === 'rateLimitStorm') {
        for (let i = 0; i < STORM_429; i++) {
          tenant.enqueue({
            path: 'logs',
            status: 429,
            body: { statusCode: 429, error: 'Too Many Requests', message: 'Global limit' },
            headers: { 'retry-after': '1' },
          });
        }
      }
    },
    close: () => tenant.close(),
  };
}

/**
 * A destination: keeps every batch it acknowledged, in arrival order; during an outage it refuses
 * {@link OUTAGE_FAILURES} batches in a row after the first one it took.
 */
export class Sink {
  readonly batches: string[][] = [];
  private outageLeft = 0;
  private first = true;
  constructor(
    private readonly cell: Cell,
    private readonly onFirst: () => void,
  ) {}

  /** Takes a batch: false when it refuses it (the outage). */
  accept(ids: string[]): boolean {
    if (this.outageLeft > 0) {
      this.outageLeft -= 1;
      return false;
    }
    this.batches.push(ids);
    if (this.first && ids.length > 0) {
      this.first = false;
      if (this.cell.fault === 'outage') this.outageLeft = OUTAGE_FAILURES;
      this.onFirst();
    }
    return true;
  }

  /** Takes a batch or throws (a library handler). */
  deliver(ids: string[]): void {
    if (!this.accept(ids)) throw new Error('destination down (503)');
  }

  ids(): string[] {
    return this.batches.flat();
  }
}

/** An HTTP destination (`--post`) in front of a {@link Sink}: 503 during an outage. */
export async function startSinkServer(
  sink: Sink,
  onRequest: (count: number, response: http.ServerResponse) => boolean = () => false,
) {
  let count = 0;
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      count += 1;
      const logs = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Array<{ log_id: string }>;
      // held: the sender is killed while its batch is in flight (the batch did arrive)
      if (onRequest(count, response)) {
        sink.batches.push(logs.map((log) => log.log_id));
        return;
      }
      const ok = sink.accept(logs.map((log) => log.log_id));
      response.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ok' : 'down');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/ingest`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The ids of a batch (a log without one shows as `'(no log_id)'`, never shipped by the tenant). */
export function idsOf(logs: ReadonlyArray<{ log_id?: string | undefined }>): string[] {
  return logs.map((log) => log.log_id ?? '(no log_id)');
}

/** What an entry point did in a cell. */
export interface Outcome {
  /** Ids in the order the destination took them (every run, every restart). */
  delivered: string[];
  /** Runs (or restarts) it needed. */
  runs: number;
  /** SIGKILLs it took. */
  kills?: number;
  /** The tenant's counters when the entry point was done (serve goes on running). @default now */
  stats?: FakeTenantStats;
}

/**
 * The one promise: every log kept by the tenant and written before the start shipped once (at most
 * one batch twice per kill), nothing the tenant never wrote, in `log_id` order per destination,
 * within {@link MAX_RUNS} runs and a bounded number of requests.
 */
export function expectPromise(cell: Cell, t: CellTenant, outcome: Outcome): void {
  const { tenant } = t;
  const written = new Set(Array.from({ length: tenant.logCount() }, (_, i) => tenant.logIdAt(i)));
  const must: string[] = [];
  for (let i = tenant.firstKeptIndex(); i < t.countAtStart; i++) must.push(tenant.logIdAt(i));
  const kills = outcome.kills ?? 0;
  const seen = new Set<string>();
  const firsts: string[] = [];
  for (const id of outcome.delivered) {
    if (!seen.has(id)) firsts.push(id);
    seen.add(id);
  }
  const report = {
    missing: must.filter((id) => !seen.has(id)).length,
    unknown: [...seen].filter((id) => !written.has(id)).length,
    twice: outcome.delivered.length - seen.size,
    outOfOrder: (kills === 0 ? outcome.delivered : firsts).filter(
      (id, i, all) => i > 0 && id <= all[i - 1]!,
    ).length,
  };
  expect(report).toEqual({
    missing: 0,
    unknown: 0,
    twice: report.twice <= kills * BATCH ? report.twice : 0,
    outOfOrder: 0,
  });
  if (kills === 0) expect(report.twice).toBe(0);
  // a growing tenant did write logs while it was read
  if (cell.shape === 'growth') expect(tenant.logCount()).toBeGreaterThan(t.countAtStart);
  expect(outcome.runs).toBeLessThanOrEqual(MAX_RUNS);
  const stats = outcome.stats ?? tenant.stats();
  const pages = Math.ceil(stats.logsServed / BATCH);
  // each page of logs served read at most twice, plus the faults' answers, plus one short page per run and cursor
  // (a reader chasing a growing tenant gets short pages: one more request per 2 logs served)
  const chasing = cell.shape === 'growth' ? Math.ceil(stats.logsServed / 2) : 0;
  const bound =
    2 * pages + STORM_429 + outcome.runs * (cell.entry === 'backfill8' ? 16 : 3) + 10 + chasing;
  expect(stats.logRequests).toBeLessThanOrEqual(bound);
  expect(stats.tokenRequests).toBeLessThanOrEqual(outcome.runs + 3);
}

/**
 * An instant clock for the library and the CLI: `sleep` moves it on, never waits. `timing` holds
 * the options (`now`, `sleep`, `random`) to spread into a processor, a stream or a CLI's io;
 * `slept()` is the test's own reading (ms slept so far), never an option.
 */
export function instantClock() {
  let slept = 0;
  return {
    timing: {
      now: () => Date.now() + slept,
      sleep: async (ms: number) => {
        slept += Math.max(0, ms);
        await new Promise((resolve) => setImmediate(resolve));
      },
      random: () => 1,
    },
    slept: () => slept,
  };
}

/** {@link instantClock}'s options alone: `now`, `sleep`, `random`. */
export function instantTiming() {
  return instantClock().timing;
}

/**
 * Runs every cell, `limit` at once (more than jest's `test.concurrent` default of 5: the cells
 * mostly wait on sockets and fsync), and keeps what each threw; the cell's test rethrows it.
 */
export async function runCells(
  cells: ReadonlyArray<[string, Cell]>,
  limit: number,
  runCell: (cell: Cell) => Promise<void>,
): Promise<Map<string, unknown>> {
  const failures = new Map<string, unknown>();
  const queue = [...cells];
  const next = async (): Promise<void> => {
    for (let item = queue.shift(); item; item = queue.shift()) {
      const cell = item[1];
      await runCell(cell).catch((error: unknown) => failures.set(cell.name, error));
    }
  };
  await Promise.all(Array.from({ length: limit }, next));
  return failures;
}
