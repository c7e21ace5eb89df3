import { compareLogIds, logIdAt, logIdTime, previousLogId } from '../../src/auth0/log-id';
import { LogGenerator } from '../../src/testing/log-generator';

describe('log ids and dates', () => {
  it('decodes the time an Auth0 log_id was written (digits 4 to 17, UTC)', () => {
    // A log_id as Auth0 serves it, written 2023-07-26 13:11:18 (UTC).
    expect(logIdTime('90020230726131118200088000000000000001223372038981421504')).toBe(
      Date.UTC(2023, 6, 26, 13, 11, 18),
    );
  });

  it.each([
    ['not 56 digits', '9002023072613111820008800000000000000122337203898142150'],
    ['not starting with 900', '80020230726131118200088000000000000001223372038981421504'],
    ['month 13', `900${'20231326131118'}${'0'.repeat(39)}`],
    ['February 30', `900${'20240230131118'}${'0'.repeat(39)}`],
    ['hour 24', `900${'20240101241118'}${'0'.repeat(39)}`],
    ['zeros', `900${'0'.repeat(53)}`],
    ['before 1970', `900${'19691231235959'}${'0'.repeat(39)}`],
  ])('refuses an id whose date does not decode: %s', (_name, id) => {
    expect(logIdTime(id)).toBeUndefined();
  });

  it('synthesises the smallest id of a second, as Elastic builds its first from', () => {
    const ms = Date.UTC(2026, 0, 31, 23, 59, 58, 750);
    expect(logIdAt(ms)).toBe(`90020260131235958${'0'.repeat(39)}`);
    expect(logIdTime(logIdAt(ms))).toBe(Date.UTC(2026, 0, 31, 23, 59, 58));
    expect(() => logIdAt(Number.NaN)).toThrow(RangeError);
    expect(() => logIdAt(Date.UTC(1960, 0, 1))).toThrow(RangeError);
  });

  it('orders synthesised bounds against generated ids as their dates are ordered', () => {
    const start = Date.UTC(2026, 5, 1);
    const generator = new LogGenerator({
      seed: 3,
      count: 500,
      startMs: start,
      endMs: start + 600_000,
    });
    for (let i = 0; i < 500; i += 7) {
      const id = generator.idAt(i);
      const at = generator.dateMsAt(i);
      expect(logIdTime(id)).toBe(Math.floor(at / 1000) * 1000);
      // An id is at or past the bound of its own second, and below the next second's.
      expect(compareLogIds(id, logIdAt(at))).toBeGreaterThanOrEqual(0);
      expect(compareLogIds(id, logIdAt(at + 1000))).toBeLessThan(0);
      expect(compareLogIds(previousLogId(logIdAt(at)), id)).toBeLessThan(0);
    }
  });
});
