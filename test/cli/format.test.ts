import { formatCount, formatDuration, rate, shellQuote } from '../../src/cli/format';

describe('format helpers', () => {
  it.each([
    [0, '0ms'],
    [850, '850ms'],
    [12_345, '12.3s'],
    [200_000, '3m 20s'],
    [2 * 3_600_000 + 5 * 60_000, '2h 5m'],
    [4 * 86_400_000 + 3 * 3_600_000 + 1, '4d 3h'],
    [-90_000, '-1m 30s'],
    [Infinity, '-'],
  ])('formatDuration(%p) is %p', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('formats counts and rates', () => {
    expect(formatCount(1234567.4)).toBe('1,234,567');
    expect(rate(500, 2000)).toBe(250);
    expect(rate(500, 0)).toBe(0);
  });

  it('quotes words for a shell only when needed', () => {
    expect(shellQuote('/tmp/a-b_c.pem')).toBe('/tmp/a-b_c.pem');
    expect(shellQuote("it's here")).toBe(`'it'\\''s here'`);
  });
});
