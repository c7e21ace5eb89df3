import { batches, type Batch } from '../../src/pipeline/batches';
import type { CheckedPage, PagesStop } from '../../src/pipeline/types';
import type { LogEvent } from '../../src/types';

const id = (n: number) => n.toString().padStart(56, '0');
const log = (n: number, type = 's'): LogEvent => ({
  log_id: id(n),
  date: new Date(n * 1000).toISOString(),
  type,
});

function page(from: number, count: number, keep: (n: number) => boolean = () => true): CheckedPage {
  const raw = Array.from({ length: count }, (_, i) => log(from + i));
  return {
    from: id(from - 1),
    replayed: 0,
    logs: raw.filter((l) => keep(Number(l.log_id))),
    limits: { limit: 10, remaining: 9, reset: 0 },
    checkpoint: raw.length ? (raw[raw.length - 1]?.log_id ?? null) : null,
    fetched: raw.length,
  };
}

async function* source(
  pages: CheckedPage[],
  stop: PagesStop,
): AsyncGenerator<CheckedPage, PagesStop, undefined> {
  yield* pages;
  return stop;
}

async function collect(
  pages: CheckedPage[],
  size: number,
  start: string | null,
  stop: PagesStop = 'caught_up',
): Promise<Batch[]> {
  const out: Batch[] = [];
  const all = batches(source(pages, stop), size, start);
  for (let next = await all.next(); ; next = await all.next()) {
    if (next.done) {
      expect(next.value).toBe(stop);
      break;
    }
    out.push(next.value);
  }
  return out;
}

describe('batches', () => {
  it('cuts pages into batches of exactly batchSize, splitting pages at log boundaries', async () => {
    const result = await collect([page(1, 100), page(101, 100), page(201, 50)], 70, null);
    expect(result.map((b) => b.logs.length)).toEqual([70, 70, 70, 40]);
    expect(result.map((b) => b.toCheckpoint)).toEqual([id(70), id(140), id(210), id(250)]);
    expect(result.map((b) => b.fromCheckpoint)).toEqual([null, id(70), id(140), id(210)]);
    expect(result.flatMap((b) => b.logs.map((l) => Number(l.log_id)))).toEqual(
      Array.from({ length: 250 }, (_, i) => i + 1),
    );
    expect(result.map((b) => b.seq)).toEqual([0, 1, 2, 3]);
  });

  it('gathers several pages into one batch when batchSize is larger than a page', async () => {
    const result = await collect(
      [page(1, 100), page(101, 100), page(201, 100), page(301, 0)],
      250,
      id(0),
    );
    expect(result.map((b) => b.logs.length)).toEqual([250, 50]);
    expect(result[1]?.toCheckpoint).toBe(id(300));
  });

  it('moves the checkpoint past filtered-out logs, with an empty final batch when only those remain', async () => {
    const even = (n: number) => n % 2 === 0;
    const result = await collect([page(1, 100, even), page(101, 100, () => false)], 100, id(0));
    expect(result.map((b) => b.logs.length)).toEqual([50]);
    expect(result[0]?.toCheckpoint).toBe(id(200));
  });

  it('yields an empty batch when every log was filtered out but the checkpoint moved', async () => {
    const result = await collect([page(1, 100, () => false)], 100, id(0));
    expect(result).toEqual([{ seq: 0, logs: [], fromCheckpoint: id(0), toCheckpoint: id(100) }]);
  });

  it('yields nothing when nothing was fetched', async () => {
    expect(await collect([page(1, 0)], 100, id(5))).toEqual([]);
  });

  it('returns why the pages stopped', async () => {
    const result = await collect([page(1, 30)], 100, id(0), 'max_run_time');
    expect(result.map((b) => b.logs.length)).toEqual([30]);
  });
});
