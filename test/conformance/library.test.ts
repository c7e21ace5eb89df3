import { LogsProcessor } from '../../src/processor';
import { LogsApiStream } from '../../src/stream';
import { credentials, memoryStorage } from '../support/tenant';
import {
  BATCH,
  MAX_RUNS,
  Sink,
  cellsOf,
  expectPromise,
  runCells,
  idsOf,
  instantTiming,
  startCellTenant,
  type Cell,
  type CellTenant,
  type Outcome,
} from './cells';

const ENTRY_POINTS = ['processor', 'backfill8', 'stream'] as const;

/** `LogsProcessor` with `onBatchFailure: 'stop'` (and 8 backfill cursors), run until caught up. */
async function runProcessor(cell: Cell, t: CellTenant, sink: Sink): Promise<Outcome> {
  const storage = memoryStorage();
  let runs = 0;
  while (runs < MAX_RUNS + 1) {
    runs += 1;
    const processor = new LogsProcessor(storage, {
      ...credentials(t.tenant),
      ...instantTiming(),
      batchSize: BATCH,
      onBatchFailure: 'stop',
      backfillCursors: cell.entry === 'backfill8' ? 8 : 1,
      logger: { debug: () => undefined, info: () => undefined, error: () => undefined },
    });
    const result = await processor.run(async (logs) => {
      sink.deliver(idsOf(logs));
    });
    if (!result.status.error && result.status.stopReason === 'caught_up') break;
  }
  return { delivered: sink.ids(), runs };
}

/** `LogsApiStream` paged to the end; a failed stream is read again from its last checkpoint. */
async function runStream(_cell: Cell, t: CellTenant, sink: Sink): Promise<Outcome> {
  let checkpoint: string | null = null;
  let runs = 0;
  while (runs < MAX_RUNS + 1) {
    runs += 1;
    const stream: LogsApiStream = new LogsApiStream({
      ...credentials(t.tenant),
      ...instantTiming(),
      ...(checkpoint === null ? {} : { checkpointId: checkpoint }),
    });
    try {
      for await (const page of stream.pages(BATCH)) {
        sink.deliver(idsOf(page.logs));
        checkpoint = page.checkpoint;
      }
      if (stream.status.stopReason === 'caught_up') break;
    } catch {
      // read again from the last page taken
    }
  }
  return { delivered: sink.ids(), runs };
}

const run = cellsOf(ENTRY_POINTS, true);
const skipped = cellsOf(ENTRY_POINTS, false);

let failures = new Map<string, unknown>();
beforeAll(async () => {
  failures = await runCells(run, 12, async (cell) => {
    const t = await startCellTenant(cell);
    try {
      const sink = new Sink(cell, () => t.strike());
      const outcome =
        cell.entry === 'stream'
          ? await runStream(cell, t, sink)
          : await runProcessor(cell, t, sink);
      expectPromise(cell, t, outcome);
    } finally {
      await t.close();
    }
  });
}, 240_000);

describe(`conformance: the library's entry points (${run.length} cells run, ${skipped.length} skipped)`, () => {
  test.each(run)('%s', (_, cell) => {
    if (failures.has(cell.name)) throw failures.get(cell.name);
  });
  if (skipped.length > 0) test.skip.each(skipped)('%s', () => undefined);
});
