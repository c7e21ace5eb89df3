import { Intake, type ShippedRecord } from '../../src/receive/intake';
import type { LogEvent } from '../../src/types';

const log = (n: number) =>
  ({ log_id: String(n).padStart(56, '9'), date: 'x', type: 's' }) as LogEvent;

/** An in-memory record of shipped ids. */
function memoryRecord(): ShippedRecord & { ids: Set<string> } {
  const ids = new Set<string>();
  return {
    ids,
    unshipped: async (list) => [...new Set(list)].filter((id) => !ids.has(id)),
    record: async (list) => list.forEach((id) => ids.add(id)),
  };
}

describe('Intake', () => {
  it('groups the submissions waiting behind a delivery into one destination call', async () => {
    const calls: string[][] = [];
    let release: () => void = () => undefined;
    const record = memoryRecord();
    const intake = new Intake({
      deliver: (logs) => {
        calls.push(logs.map((l) => l.log_id as string));
        return calls.length === 1 ? new Promise<void>((r) => (release = r)) : Promise.resolve();
      },
      shipped: record,
    });
    const first = intake.submit([log(1), log(2)], 'stream');
    await new Promise((r) => setImmediate(r));
    const rest = [
      intake.submit([log(3), log(2)], 'stream'),
      intake.submit([log(4), log(3)], 'reconcile'),
    ];
    release();
    expect(await first).toEqual({ shipped: 2, duplicates: 0, filtered: 0 });
    expect(await Promise.all(rest)).toEqual([
      { shipped: 1, duplicates: 1, filtered: 0 },
      { shipped: 1, duplicates: 1, filtered: 0 },
    ]);
    expect(calls).toEqual(
      [
        [log(1), log(2)],
        [log(3), log(4)],
      ].map((g) => g.map((l) => l.log_id)),
    );
    await intake.idle();
    expect(record.ids.size).toBe(4);
  });

  it('rejects every submission of a group the destination refused, recording nothing', async () => {
    const record = memoryRecord();
    let fail = true;
    const intake = new Intake({
      deliver: () => (fail ? Promise.reject(new Error('down')) : Promise.resolve()),
      shipped: record,
      groupLogs: 1,
    });
    await expect(intake.submit([log(1)], 'stream')).rejects.toThrow('down');
    expect(record.ids.size).toBe(0);
    fail = false;
    const shipped: string[] = [];
    const again = new Intake({
      deliver: async (logs) => void shipped.push(...logs.map((l) => l.log_id as string)),
      shipped: record,
      onShipped: (source, result) => shipped.push(`${source}:${result.shipped}`),
    });
    expect(await again.submit([log(1)], 'reconcile')).toEqual({
      shipped: 1,
      duplicates: 0,
      filtered: 0,
    });
    expect(shipped).toEqual([log(1).log_id, 'reconcile:1']);
    await expect(again.submit([{ date: 'x', type: 's' } as LogEvent], 'stream')).rejects.toThrow(
      'A log without log_id reached the intake',
    );
  });
});
