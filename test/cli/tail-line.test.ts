import { logLine, useColour } from '../../src/cli/tail/line';
import type { LogEvent } from '../../src/types';

const log = (fields: Partial<LogEvent>): LogEvent =>
  ({ date: '2026-03-04T12:34:56.789Z', type: 'f', ...fields }) as LogEvent;

describe('a line of tail', () => {
  it('fits 80 columns, cutting long values with …', () => {
    const line = logLine(
      log({
        type: 'ciba_exchange_succeeded',
        user_name: 'a-very-long-user-name@example-company.com',
        ip: '2001:db8:85a3::8a2e:370:7334',
        client_name: 'A Client With A Long Name',
      }),
      { width: 80, colour: false },
    );
    expect(line).toBe(
      '03-04 12:34:56 ciba_exchange_succee… a-very-long-user-… 2001:db8:85a3:… A Clie…',
    );
  });

  it('shows no control character of a log (no escape sequence reaches the terminal)', () => {
    const line = logLine(
      log({ user_name: 'evil\u001b[2J\u001b]0;title\u0007\nname', ip: '1.2.3.4' }),
      { width: 80, colour: false },
    );
    expect([...line].filter((c) => c.charCodeAt(0) < 0x20)).toEqual([]);
    expect(line).toContain('evil [2J ]0;title…');
  });

  it("names an unknown type by the log's own description; a missing value is -", () => {
    const line = logLine(log({ type: 'zz_new', description: 'Something new' }), {
      width: 80,
      colour: false,
    });
    expect(line).toBe('03-04 12:34:56 zz_new Something new  -                  -               -');
  });

  it('colours only a terminal without NO_COLOR', () => {
    expect(useColour(true, {})).toBe(true);
    expect(useColour(true, { NO_COLOR: '1' })).toBe(false);
    expect(useColour(true, { NO_COLOR: '' })).toBe(true);
    expect(useColour(false, {})).toBe(false);
    const line = logLine(log({ type: 'f' }), { width: 80, colour: true });
    const [dim, reset, red] = ['\u001b[2m', '\u001b[0m', '\u001b[31m'];
    expect(line.startsWith(`${dim}03-04 12:34:56${reset} ${red}f    Failed Login`)).toBe(true);
  });
});
