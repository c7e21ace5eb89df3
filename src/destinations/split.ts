/** Limits of one request. */
export interface SplitLimits {
  /** Most entries in one request. */
  maxEntries: number;
  /** Most bytes of one request: the entries' bytes plus `separatorBytes` between each two and `frameBytes`. */
  maxBytes: number;
  /** Bytes between two entries (a comma in a JSON array, a line break in NDJSON). @default 0 */
  separatorBytes?: number;
  /** Bytes around the entries (`[` and `]` of a JSON array). @default 0 */
  frameBytes?: number;
}

/**
 * Splits entries, in order, into groups that each stay within the limits. An entry that is alone
 * over `maxBytes` gets a group of its own: the caller decides what to do with it.
 * @param sizes the byte size of each entry, in order
 * @returns groups of entry indexes
 */
export function splitBySize(sizes: readonly number[], limits: SplitLimits): number[][] {
  const separator = limits.separatorBytes ?? 0;
  const frame = limits.frameBytes ?? 0;
  const groups: number[][] = [];
  let group: number[] = [];
  let bytes = frame;
  sizes.forEach((size, index) => {
    const added = group.length ? separator + size : size;
    if (group.length && (group.length >= limits.maxEntries || bytes + added > limits.maxBytes)) {
      groups.push(group);
      group = [];
      bytes = frame;
    }
    bytes += group.length ? separator + size : size;
    group.push(index);
  });
  if (group.length) groups.push(group);
  return groups;
}
