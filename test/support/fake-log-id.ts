import type { LogEvent } from '../../src/types';

/**
 * The time (epoch ms) in a fake tenant's `log_id`: digits 4 to 20 are `yyyyMMddHHmmssSSS`, when the
 * log was written. `logIdTime` reads Auth0's whole seconds only; the shape tests need the ms.
 */
export function fakeIdMs(log: LogEvent): number {
  const s = (log.log_id as string).slice(3, 20);
  const n = (from: number, to: number) => Number(s.slice(from, to));
  return Date.UTC(n(0, 4), n(4, 6) - 1, n(6, 8), n(8, 10), n(10, 12), n(12, 14), n(14, 17));
}
