import {
  averageDensity,
  chooseSteal,
  remaining,
  type SliceFacts,
  type StealOptions,
} from '../../src/pipeline/backfill-steal';

const S = 1000;
const H = 3600 * S;
const options: StealOptions = {
  horizon: 100 * H,
  emptyFromMs: Infinity,
  density: 1 / S, // one log a second
  minLogs: 400,
  windowLogs: 10_000,
};
const slice = (facts: Partial<SliceFacts>): SliceFacts => ({
  startMs: 0,
  endMs: undefined,
  fetched: 0,
  open: true,
  done: false,
  held: 0,
  ...facts,
});

describe('remaining', () => {
  it('runs from the highest id seen to the bound, the horizon or the first empty from', () => {
    expect(remaining(slice({ reachedMs: 10 * S, endMs: 20 * S }), options)).toEqual({
      lo: 10 * S,
      hi: 20 * S,
      logs: 10,
    });
    expect(remaining(slice({}), { ...options, emptyFromMs: 5 * S }).hi).toBe(5 * S);
    expect(remaining(slice({}), options).hi).toBe(100 * H);
  });

  it("uses the slice's own density once it read logs", () => {
    const read = slice({ firstMs: 0, reachedMs: 10 * S, fetched: 100, endMs: 20 * S });
    expect(remaining(read, options).logs).toBe(100); // 10 logs a second for 10 s
  });
});

describe('averageDensity', () => {
  it('weighs the first page and every slice that read logs', () => {
    const slices = [slice({ firstMs: 0, reachedMs: 9 * S, fetched: 90 }), slice({})];
    expect(averageDensity(slices, { logs: 10, ms: S })).toBeCloseTo(100 / (10 * S));
  });
});

describe('chooseSteal', () => {
  it('takes half of the only open slice, in whole seconds', () => {
    const steal = chooseSteal([slice({ reachedMs: 0, endMs: 2000 * S })], options);
    expect(steal).toEqual({ victim: 0, atMs: 1000 * S });
  });

  it("shares the victim's part within the window among the idle cursors", () => {
    // 7 idle cursors and the victim's own: the first takes the last eighth of the window (10,000 s)
    const steal = chooseSteal([slice({ reachedMs: 0 })], { ...options, idle: 7 });
    expect(steal).toEqual({ victim: 0, atMs: 8750 * S });
  });

  it('picks the slice with the most logs within the window; logs before a slice count against it', () => {
    const slices = [
      slice({ reachedMs: 0, endMs: 6000 * S, held: 500 }),
      slice({ startMs: 6000 * S, reachedMs: 6000 * S, endMs: 20_000 * S }),
    ];
    // the first: 6,000 logs to read, all within the window; the second: 14,000, of which 3,500
    expect(chooseSteal(slices, options)?.victim).toBe(0);
    // a slice not open (not answered yet, paused, or at its bound) is never a victim
    expect(
      chooseSteal([{ ...(slices[0] as SliceFacts), open: false }, slices[1] as SliceFacts], options)
        ?.victim,
    ).toBe(1);
  });

  it('splits the slice the consumer needs first when a later one holds only a little more', () => {
    const slices = [
      slice({ reachedMs: 0, endMs: 2000 * S }),
      slice({ startMs: 2000 * S, reachedMs: 2000 * S, endMs: 4100 * S }),
    ];
    // 2,000 logs to read now, against 2,100 needed after those 2,000 (read by all 8 cursors)
    expect(chooseSteal(slices, { ...options, cursors: 8 })?.victim).toBe(0);
    expect(
      chooseSteal([slices[0] as SliceFacts, { ...(slices[1] as SliceFacts), endMs: 5000 * S }], {
        ...options,
        cursors: 8,
      })?.victim,
    ).toBe(1);
  });

  it('nothing to steal: too few logs, done, or less than two seconds to read', () => {
    expect(chooseSteal([slice({ reachedMs: 0, endMs: 300 * S })], options)).toBeUndefined();
    expect(chooseSteal([slice({ done: true, open: false })], options)).toBeUndefined();
    const dense = { ...options, density: 1000 / S };
    expect(chooseSteal([slice({ reachedMs: 0, endMs: 1500 })], dense)).toBeUndefined();
    // everything past the checkpoint already answered empty
    expect(chooseSteal([slice({ reachedMs: 0 })], { ...options, emptyFromMs: 0 })).toBeUndefined();
  });
});
