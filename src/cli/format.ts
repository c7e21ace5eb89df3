/** `12345` → `12,345`. */
export function formatCount(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/** A duration in the two largest units: `850ms`, `12.3s`, `3m 20s`, `2h 5m`, `4d 3h`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  const sign = ms < 0 ? '-' : '';
  const abs = Math.abs(ms);
  if (abs < 1000) return `${sign}${Math.round(abs)}ms`;
  if (abs < 60_000) return `${sign}${(abs / 1000).toFixed(1)}s`;
  const units: Array<[string, number]> = [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ];
  const index = units.findIndex(([, size]) => abs >= size);
  const [bigName, bigSize] = units[index] as [string, number];
  const [smallName, smallSize] = units[index + 1] as [string, number];
  const big = Math.floor(abs / bigSize);
  const small = Math.floor((abs - big * bigSize) / smallSize);
  return `${sign}${big}${bigName} ${small}${smallName}`;
}

/** Logs per second over `ms`, or 0 before any time passed. */
export function rate(logs: number, ms: number): number {
  return ms > 0 ? (logs * 1000) / ms : 0;
}

/** Quotes a word for a POSIX shell when it needs it. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.split("'").join(`'\\''`)}'`;
}
