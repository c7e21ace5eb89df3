/** Edit distance (Levenshtein: insertions, deletions and substitutions of one character each). */
export function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      next[j] = Math.min(
        (row[j] as number) + 1,
        (next[j - 1] as number) + 1,
        (row[j - 1] as number) + cost,
      );
    }
    row = next;
  }
  return row[b.length] as number;
}

/**
 * The known word closest to `word`, for a "did you mean" (a flag, a key, a code): one written the
 * same in another case first, else the nearest within `maxDistance` edits (at most 2, and at most
 * half of `word`'s length, at least 1); `undefined` when none is that close.
 */
export function nearest(
  word: string,
  known: Iterable<string>,
  maxDistance = Math.max(1, Math.min(2, Math.floor(word.length / 2))),
): string | undefined {
  const words = [...known];
  const folded = words.find((candidate) => candidate.toLowerCase() === word.toLowerCase());
  if (folded) return folded;
  let best: string | undefined;
  let bestDistance = maxDistance + 1;
  for (const candidate of words) {
    const d = editDistance(word, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}
