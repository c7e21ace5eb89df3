import { promises as fs } from 'node:fs';
import path from 'node:path';
import { logIdAt } from '../../src/auth0/log-id';
import { ShippedIds, shippedIdsSummary } from '../../src/receive/shipped-ids';
import { tempDir } from '../support/cli';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 10, 12, 0, 0);
/** A log id written at `ms`, with sequence `n`. */
const idAt = (ms: number, n: number) => `${logIdAt(ms).slice(0, 17)}${String(n).padStart(39, '0')}`;

describe('ShippedIds', () => {
  it('keeps ids per hour in files that survive a restart, and drops repeats within a call', async () => {
    const folder = path.join(await tempDir(), 'r.json.shipped');
    const now = () => T0;
    const a = await ShippedIds.open({ folder, retentionMs: 24 * HOUR, now });
    const ids = [idAt(T0 - 2 * HOUR, 1), idAt(T0 - HOUR, 2), idAt(T0 - HOUR, 3)];
    expect(await a.unshipped([...ids, ids[0] as string])).toEqual(ids);
    await a.record(ids);
    expect(await a.unshipped([...ids, idAt(T0, 4)])).toEqual([idAt(T0, 4)]);
    expect((await fs.readdir(folder)).sort()).toEqual(['20260110100000.ids', '20260110110000.ids']);

    const b = await ShippedIds.open({ folder, retentionMs: 24 * HOUR, now });
    expect(await b.unshipped(ids)).toEqual([]);
    expect(await shippedIdsSummary(folder)).toEqual({
      spans: [
        { start: new Date(T0 - 2 * HOUR).toISOString(), ids: 1 },
        { start: new Date(T0 - HOUR).toISOString(), ids: 2 },
      ],
      ids: 3,
      newestLogId: ids[2],
    });
    expect(await shippedIdsSummary(path.join(folder, 'none'))).toBeUndefined();
  });

  it('holds only a few spans in memory and reads an older one again when asked', async () => {
    const folder = path.join(await tempDir(), 'shipped');
    const ids = await ShippedIds.open({
      folder,
      retentionMs: 48 * HOUR,
      now: () => T0,
      loadedSpans: 2,
    });
    const old = Array.from({ length: 6 }, (_, h) => idAt(T0 - (h + 1) * HOUR, h));
    for (const id of old) await ids.record([id]);
    // each span was let go but for the last two: asking reads the files again
    expect(await ids.unshipped(old)).toEqual([]);
  });

  it('deletes the spans past retention, at open and when pruned', async () => {
    const folder = path.join(await tempDir(), 'shipped');
    let now = T0;
    const ids = await ShippedIds.open({ folder, retentionMs: 3 * HOUR, now: () => now });
    const old = idAt(T0 - 2.5 * HOUR, 1);
    const recent = idAt(T0 - 0.5 * HOUR, 2);
    await ids.record([old, recent]);
    now = T0 + HOUR;
    expect(await ids.prune()).toBe(1);
    expect(await fs.readdir(folder)).toEqual(['20260110110000.ids']);
    now = T0 + 4 * HOUR;
    await ShippedIds.open({ folder, retentionMs: 3 * HOUR, now: () => now });
    expect(await fs.readdir(folder)).toEqual([]);
  });

  it('reads past a line cut by a crash and starts the next write on a line of its own', async () => {
    const folder = path.join(await tempDir(), 'shipped');
    await fs.mkdir(folder);
    const whole = idAt(T0, 1);
    await fs.writeFile(path.join(folder, '20260110120000.ids'), `${whole}\n${whole.slice(0, 20)}`);
    const ids = await ShippedIds.open({ folder, retentionMs: HOUR, now: () => T0 });
    expect(await ids.unshipped([whole, idAt(T0, 2)])).toEqual([idAt(T0, 2)]);
    await ids.record([idAt(T0, 2)]);
    const again = await ShippedIds.open({ folder, retentionMs: HOUR, now: () => T0 });
    expect(await again.unshipped([whole, idAt(T0, 2)])).toEqual([]);
    expect(await fs.readFile(path.join(folder, '20260110120000.ids'), 'utf8')).toBe(
      `${whole}\n${whole.slice(0, 20)}\n${idAt(T0, 2)}\n`,
    );
  });
});
