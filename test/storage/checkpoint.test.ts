import { checkpointAdvances, movesBackwards } from '../../src/storage/checkpoint';

const id = (n: number) => n.toString().padStart(56, '0');

describe('the checkpoint never moves backwards', () => {
  it.each<[string | null | undefined, string | null | undefined, boolean, boolean]>([
    // current, next, advances, moves backwards
    [undefined, id(1), true, false],
    [null, id(1), true, false],
    [id(1), id(2), true, false],
    [id(2), id(2), false, false],
    [id(2), id(1), false, true],
    [id(2), null, false, false],
    [id(2), undefined, false, false],
    [null, null, false, false],
    // a shorter id sorts first, as compareLogIds orders them
    ['9'.repeat(55), id(1), true, false],
  ])('from %s to %s: advances %s, backwards %s', (current, next, advances, backwards) => {
    expect(checkpointAdvances(current, next)).toBe(advances);
    expect(movesBackwards(current, next)).toBe(backwards);
  });
});
