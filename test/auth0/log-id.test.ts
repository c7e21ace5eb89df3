import { compareLogIds, isLogId, logIdOf, previousLogId } from '../../src/auth0/log-id';

describe('log ids', () => {
  const a = '90020231110185208765000000000000001223372036854775807';
  it('compares 56-digit ids as strings, beyond what numbers can hold', () => {
    const b = `${a.slice(0, -1)}8`;
    expect(Number(a)).toBe(Number(b));
    expect(compareLogIds(a, b)).toBeLessThan(0);
    expect(compareLogIds(b, a)).toBeGreaterThan(0);
    expect(compareLogIds(a, a)).toBe(0);
    expect(compareLogIds('99', '100')).toBeLessThan(0);
  });

  it('steps back one id, borrowing across zeros and keeping the length', () => {
    expect(previousLogId('1000')).toBe('0999');
    expect(previousLogId(a)).toBe(`${a.slice(0, -1)}6`);
    expect(previousLogId('0000')).toBe('0000');
  });

  it('reads log_id, then _id', () => {
    expect(logIdOf({ log_id: '12', _id: '34', date: '', type: 's' })).toBe('12');
    expect(logIdOf({ _id: '34', date: '', type: 's' })).toBe('34');
    expect(logIdOf({ date: '', type: 's' })).toBeUndefined();
  });

  it('accepts 56-digit strings only, as Auth0 writes them', () => {
    const full = `900${'2'.repeat(53)}`;
    expect(isLogId(full)).toBe(true);
    expect(isLogId(full.slice(1))).toBe(false); // 55 digits
    expect(isLogId(`${full}1`)).toBe(false); // 57 digits
    expect(isLogId(a)).toBe(a.length === 56);
    expect(isLogId('12a')).toBe(false);
    expect(isLogId(12)).toBe(false);
    expect(isLogId('')).toBe(false);
  });
});
