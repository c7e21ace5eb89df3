import { getLogType, type LogSeverity } from '../../auth0/log-types';
import type { LogEvent } from '../../types';

/**
 * One log as `tail` shows it, on one line of `width` columns (at least 80):
 * `12-07 13:02:11  f   Failed Login      jane@example.com  203.0.113.7     Web App`: the date (UTC,
 * month-day and time), the type code and its name from the log type catalog (the log's own
 * `description` for a code the catalog does not know), the user (`user_name`, else `user_id`),
 * the ip and the client (`client_name`, else `client_id`). A value longer than its column is cut
 * with `…`; a missing one is `-`. Columns wider than 80 go to the type, the user and the client.
 */

/** ANSI colours of a line on a terminal: the type by its severity, the date dimmed. */
const COLOUR: Record<LogSeverity | 'date', string> = {
  success: '\u001b[32m',
  warning: '\u001b[33m',
  error: '\u001b[31m',
  date: '\u001b[2m',
};
const RESET = '\u001b[0m';

/** Widths of the columns at 80: date 14, type 21, user 18, ip 15, client the rest (7: lines end before the last column). */
const AT_80 = { date: 14, type: 21, user: 18, ip: 15 } as const;

/** `text` padded or cut (with `…`) to exactly `width` characters. */
function fit(text: string, width: number): string {
  return text.length <= width ? text.padEnd(width) : `${text.slice(0, width - 1)}…`;
}

/**
 * The first of `values` that is a non-empty string, else `-`; control characters (a newline, an
 * escape sequence a log's data could carry to the terminal) become spaces, runs of spaces one.
 */
function field(...values: unknown[]): string {
  const found = values.find((v) => typeof v === 'string' && v.trim() !== '') as string | undefined;
  // eslint-disable-next-line no-control-regex
  return found === undefined ? '-' : found.replace(/[\u0000-\u001f\u007f-\u009f\s]+/g, ' ').trim();
}

/** `MM-DD HH:MM:SS` (UTC) of an ISO date, or the text as it is when it is no date. */
function shortDate(date: unknown): string {
  const ms = typeof date === 'string' ? Date.parse(date) : NaN;
  if (Number.isNaN(ms)) return field(date);
  return new Date(ms).toISOString().slice(5, 19).replace('T', ' ');
}

/** How a line is drawn. */
export interface LineStyle {
  /** Columns of the terminal (80 when unknown; never fewer). */
  width: number;
  /** ANSI colours (a terminal, without `NO_COLOR`). */
  colour: boolean;
}

/** One log as one line of `style.width` columns, without its newline. */
export function logLine(log: LogEvent, style: LineStyle): string {
  const extra = Math.max(0, Math.floor(style.width) - 80);
  const third = Math.floor(extra / 3);
  const type = getLogType(String(log.type));
  const widths = {
    date: AT_80.date,
    type: AT_80.type + third,
    user: AT_80.user + third,
    ip: AT_80.ip,
  };
  const used = widths.date + widths.type + widths.user + widths.ip + 4;
  const client = 80 + extra - used - 1;
  const date = fit(shortDate(log.date), widths.date);
  const typeText = fit(
    `${field(log.type).padEnd(4)} ${type?.name ?? field(log.description)}`,
    widths.type,
  );
  const rest = [
    fit(field(log.user_name, log.user_id), widths.user),
    fit(field(log.ip), widths.ip),
    fit(field(log.client_name, log.client_id), client).trimEnd(),
  ].join(' ');
  if (!style.colour) return `${date} ${typeText} ${rest}`;
  const paint = (code: string, text: string) => `${code}${text}${RESET}`;
  return `${paint(COLOUR.date, date)} ${type ? paint(COLOUR[type.severity], typeText) : typeText} ${rest}`;
}

/**
 * Whether `tail` colours its lines: only on a terminal, and not when `NO_COLOR` is set to anything
 * but an empty string (https://no-color.org).
 */
export function useColour(
  stdoutIsTTY: boolean | undefined,
  env: Record<string, string | undefined>,
): boolean {
  return stdoutIsTTY === true && !env['NO_COLOR'];
}
