import { ENTRIES, FAULTS, MATRIX, SHAPES } from './cells';

describe('the conformance matrix', () => {
  it('covers every entry point × shape × fault; each skipped cell says why', () => {
    const skipped = MATRIX.filter((cell) => cell.skip !== undefined);
    console.log(
      `conformance matrix: ${ENTRIES.length} entry points × ${SHAPES.length} shapes × ${FAULTS.length} faults = ${MATRIX.length} cells, ${MATRIX.length - skipped.length} run, ${skipped.length} skipped`,
    );
    expect(MATRIX).toHaveLength(ENTRIES.length * SHAPES.length * FAULTS.length);
    expect(new Set(MATRIX.map((cell) => cell.name)).size).toBe(MATRIX.length);
    for (const cell of skipped) expect(cell.skip).toMatch(/^\S.{20,}$/);
    // only the SIGKILL of an in-process entry point and the stream's missing destination skip
    expect(skipped.every((cell) => cell.fault === 'sigkill' || cell.fault === 'outage')).toBe(true);
  });
});
