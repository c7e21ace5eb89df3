import axios, { type AxiosInstance } from 'axios';
import { DEFAULTS } from '../defaults';
import { ArgumentError, Auth0LogToolsError } from '../errors';
import type { RunReport } from '../processor';
import type { RunStatus } from '../types';

/** Defaults of {@link SlackReporterOptions}, the same as auth0-log-extension-tools used. */
export const SLACK_REPORTER_DEFAULTS = Object.freeze({
  username: 'auth0-logger',
  icon: ':rocket:',
  title: 'Auth0 Logger',
  timeoutMs: DEFAULTS.timeoutMs,
});

/** Options of {@link SlackReporter}. */
export interface SlackReporterOptions {
  /**
   * Slack incoming webhook URL. It is a secret: it never appears in errors. Without it, `send`
   * does nothing. A value that is not an http(s) URL (e.g. without its scheme) does not stop the
   * constructor, as with the original: each `send` rejects with an `ArgumentError` naming `hook`,
   * so the run that reports still ships its logs.
   * @example 'https://hooks.slack.com/services/T000/B000/XXXX'
   */
  hook?: string | undefined;
  /**
   * Name the message is posted as.
   * @default 'auth0-logger'
   */
  username?: string | undefined;
  /**
   * Emoji shown as the poster's icon.
   * @default ':rocket:'
   */
  icon?: string | undefined;
  /**
   * Prefix of the message text: `<title> Success`, `<title> Error` or `<title> Daily Report`.
   * @default 'Auth0 Logger'
   */
  title?: string | undefined;
  /** Link to the extension or dashboard, shown as `(Details)` after the text. */
  url?: string | undefined;
  /** Replaces the notification fallback text. Default: the message text. */
  fallback?: string | undefined;
  /** Replaces the message text. Default: `<title> Success|Error|Daily Report`. */
  text?: string | undefined;
  /**
   * Timeout of the webhook request in milliseconds.
   * @default 30000
   */
  timeoutMs?: number;
  /** The axios instance to post with (tests, proxies). Default: a new instance. */
  http?: AxiosInstance;
}

/** One field of a Slack attachment; counts are numbers, as the original sent them. */
interface SlackField {
  title: string;
  value: string | number;
  short: boolean;
}

/** The message {@link SlackReporter.send} posts. */
export interface SlackMessage {
  username: string;
  icon_emoji: string;
  attachments: Array<{ color: string; fallback: string; text: string; fields: SlackField[] }>;
}

interface Resolved {
  hook: string | undefined;
  username: string;
  icon: string;
  title: string;
  url: string | undefined;
  fallback: string | undefined;
  text: string | undefined;
  timeoutMs: number;
  http: AxiosInstance;
}

const COLORS = { error: '#d13f42', success: '#7cd197' } as const;

/**
 * Posts a summary of each processor run to a Slack incoming webhook.
 * @example
 * const slack = new SlackReporter({ hook: process.env.SLACK_INCOMING_WEBHOOK_URL, url: 'https://example.com' });
 * await slack.send(result.status, result.checkpoint);
 */
export class SlackReporter {
  readonly #options: Resolved;

  constructor(options: SlackReporterOptions = {}) {
    const timeoutMs = options.timeoutMs ?? SLACK_REPORTER_DEFAULTS.timeoutMs;
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1) {
      throw new ArgumentError(
        `Expected \`timeoutMs\` to be a positive integer, got ${String(timeoutMs)}`,
        'timeoutMs',
      );
    }
    this.#options = {
      hook: options.hook || undefined,
      username: options.username || SLACK_REPORTER_DEFAULTS.username,
      icon: options.icon || SLACK_REPORTER_DEFAULTS.icon,
      title: options.title || SLACK_REPORTER_DEFAULTS.title,
      url: options.url || undefined,
      fallback: options.fallback || undefined,
      text: options.text || undefined,
      timeoutMs,
      http: options.http ?? axios.create({ timeout: timeoutMs }),
    };
  }

  /**
   * Posts a run's summary (`run()`'s `status`) or a daily report (`getReport()`'s result, with
   * `type: 'report'`). Resolves without a request when no `hook` is set; rejects when the post
   * fails. Throws at once (an {@link ArgumentError} naming `status`, whose message holds the
   * original's "object status is required") when `status` is not an object, as the original did.
   */
  send(status: RunStatus | RunReport, checkpoint?: string | null): Promise<void> {
    if (!status || typeof status !== 'object') {
      throw new ArgumentError(
        'Expected `status` to be a run status or report object (object status is required)',
        'status',
      );
    }
    return this.#post(status, checkpoint ?? null);
  }

  async #post(status: RunStatus | RunReport, checkpoint: string | null): Promise<void> {
    const { hook, http, timeoutMs } = this.#options;
    if (!hook) return;
    if (!isHttpUrl(hook)) {
      throw new ArgumentError('Expected `hook` to be an http(s) URL, as Slack gives it', 'hook');
    }
    const message = this.createMessage(status, checkpoint);
    try {
      await http.post(hook, message, {
        timeout: timeoutMs,
        headers: { Accept: 'application/json' },
        validateStatus: (code) => code >= 200 && code < 300,
      });
    } catch (error) {
      throw slackError(error, hook);
    }
  }

  /**
   * The message `send` posts: red "Error" when the run failed, green "Success" otherwise (a
   * warning is a field of a successful run, as the original colored it), or green "Daily
   * Report" for a `getReport()` result.
   */
  createMessage(status: RunStatus | RunReport, checkpoint?: string | null): SlackMessage {
    const o = this.#options;
    const report = isReport(status);
    const failed = !report && Boolean((status as { error?: unknown }).error);
    const defaultText = `${o.title} ${report ? 'Daily Report' : failed ? 'Error' : 'Success'}`;
    const fallback = o.fallback ?? defaultText;
    const fields = report ? reportFields(status) : runFields(status as RunStatus, checkpoint);
    const details = o.url ? ` (<${o.url}|Details>)` : '';
    return {
      username: o.username,
      icon_emoji: o.icon,
      attachments: [
        {
          color: failed ? COLORS.error : COLORS.success,
          fallback,
          text: (o.text ?? fallback) + details,
          fields,
        },
      ],
    };
  }
}

function isReport(status: RunStatus | RunReport): status is RunReport {
  return (status as { type?: unknown }).type === 'report';
}

function count(value: unknown): number {
  const n = Number(value);
  return Number.isFinite(n) ? n : 0;
}

function reportFields(report: RunReport): SlackField[] {
  return [
    { title: 'Logs processed', value: count(report.processed), short: true },
    { title: 'Warnings', value: count(report.warnings), short: true },
    { title: 'Errors', value: count(report.errors), short: true },
    { title: 'Next checkpoint', value: report.checkpoint || 'none', short: true },
  ];
}

function runFields(status: RunStatus, checkpoint: string | null | undefined): SlackField[] {
  const fields: SlackField[] = [
    { title: 'Start time', value: formatDate(status.start), short: true },
    { title: 'End time', value: formatDate(status.end), short: true },
    { title: 'Logs processed', value: count(status.logsProcessed), short: true },
    { title: 'Next checkpoint', value: checkpoint ?? status.checkpoint ?? 'none', short: true },
  ];
  const skipped = status.skipped?.reduce((sum, range) => sum + range.logs, 0) ?? 0;
  if (skipped > 0) fields.push({ title: 'Logs skipped', value: skipped, short: true });
  const warning: unknown = status.warning;
  if (warning) fields.push({ title: 'Warning', value: describe(warning), short: false });
  const error: unknown = status.error;
  if (error) fields.push({ title: 'Error', value: describe(error), short: false });
  return fields;
}

/** A warning or error as text: an `Error`'s message (the original showed `{}`), each of a list. */
function describe(value: unknown): string {
  if (Array.isArray(value)) return value.map(describe).join('; ');
  if (value instanceof Error) return value.message || value.name;
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function isHttpUrl(value: string): boolean {
  try {
    const { protocol } = new URL(value);
    return protocol === 'https:' || protocol === 'http:';
  } catch {
    return false;
  }
}

function formatDate(value: unknown): string {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'unknown' : value.toISOString();
  return typeof value === 'string' && value ? value : 'unknown';
}

/** `https://hooks.slack.com/services/T0/B0/secret` becomes `https://hooks.slack.com/services/[redacted]`. */
export function redactHook(hook: string): string {
  try {
    const url = new URL(hook);
    const segments = url.pathname.split('/').filter(Boolean);
    return `${url.origin}/${segments.length > 1 ? `${segments[0]}/` : ''}[redacted]`;
  } catch {
    return '[redacted]';
  }
}

/** Removes the hook, its path and each secret-looking path segment from a text. */
function scrub(text: string, hook: string): string {
  const url = new URL(hook);
  const secrets = [hook, url.pathname + url.search, ...url.pathname.split('/').slice(2)];
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 6)
      out = out.split(secret).join(secret === hook ? redactHook(hook) : '[redacted]');
  }
  return out.replace(/\s+/g, ' ').trim().slice(0, 200);
}

function slackError(error: unknown, hook: string): Auth0LogToolsError {
  const shown = redactHook(hook);
  const raw = error as {
    response?: { status?: unknown; data?: unknown };
    code?: unknown;
    message?: unknown;
  };
  if (raw.response && typeof raw.response.status === 'number') {
    const data = raw.response.data;
    const body = scrub(typeof data === 'string' ? data : (JSON.stringify(data) ?? ''), hook);
    const detail = body ? `: ${body}` : '';
    return new Auth0LogToolsError(
      'slack_request_failed',
      `Slack webhook ${shown} answered ${raw.response.status}${detail}`,
    );
  }
  const code = typeof raw.code === 'string' && raw.code ? raw.code : 'network_error';
  const message = typeof raw.message === 'string' ? scrub(raw.message, hook) : code;
  return new Auth0LogToolsError(
    'slack_request_failed',
    `Slack webhook ${shown} failed (${code}): ${message}`,
  );
}
