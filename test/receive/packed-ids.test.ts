import { createHash } from 'node:crypto';
import { logIdAt } from '../../src/auth0/log-id';
import { LogIdSet } from '../../src/receive/packed-ids';

const T0 = Date.UTC(2026, 0, 10, 12, 0, 0);

/** Ids of two hours with varied tails, from `seed` (the same ids every run). */
function ids(count: number, seed: number): string[] {
  return Array.from({ length: count }, (_, i) => {
    const digits = BigInt(`0x${createHash('sha256').update(`${seed}:${i}`).digest('hex')}`);
    const ms = T0 + Number(digits % 7_200_000n);
    return `${logIdAt(ms).slice(0, 17)}${digits.toString().slice(-39)}`;
  });
}

describe('LogIdSet', () => {
  it('holds what a Set holds, added one by one past several packings, and nothing else', () => {
    const added = ids(20_000, 1);
    const set = new LogIdSet();
    const reference = new Set<string>();
    for (const id of added) {
      set.add(id);
      reference.add(id);
    }
    set.add(added[0] as string); // again: held once
    set.add('12'); // not an Auth0 id: held as it is
    reference.add('12');
    expect(set.size).toBe(reference.size);
    expect(added.every((id) => set.has(id))).toBe(true);
    expect(set.has('12')).toBe(true);
    const absent = ids(5_000, 2).filter((id) => !reference.has(id));
    expect(absent.length).toBe(5_000);
    expect(absent.filter((id) => set.has(id))).toEqual([]);
    expect(set.max()).toBe([...reference].sort().pop());
  });

  it('packs a file of ids at once (repeats and any order), as one by one', () => {
    const read = ids(10_000, 3);
    const set = LogIdSet.of([...read, ...read.slice(0, 100).reverse(), '12']);
    expect(set.size).toBe(new Set(read).size + 1);
    expect(read.every((id) => set.has(id))).toBe(true);
    const held = new Set(read);
    const absent = ids(1_000, 4).filter((id) => !held.has(id));
    expect(absent.length).toBe(1_000);
    expect(absent.filter((id) => set.has(id))).toEqual([]);
    expect(set.max()).toBe([...read].sort().pop());
    expect(new LogIdSet().max()).toBeNull();
  });
});
