import createDebug from 'debug';
import { ArgumentError } from '../errors';
import type { Logger } from '../types';

/**
 * A logger that writes to the `debug` namespace `auth0-log-tools:<scope>` and, when given, to the
 * user's logger too. Nothing passed here may hold a secret: callers log ids, counts and messages.
 */
export function scopedLogger(scope: string, user?: Partial<Logger>): Logger {
  const trace = createDebug(`auth0-log-tools:${scope}`);
  const forward =
    (level: keyof Logger) =>
    (...args: unknown[]): void => {
      trace(`${level}: %s`, args.map((a) => (typeof a === 'string' ? a : String(a))).join(' '));
      user?.[level]?.(...args);
    };
  return { debug: forward('debug'), info: forward('info'), error: forward('error') };
}

/** `log` with every string argument passed through `redact` first (the debug output included). */
export function redactedLogger(log: Logger, redact: (text: string) => string): Logger {
  const wrap =
    (level: keyof Logger) =>
    (...args: unknown[]): void =>
      log[level](...args.map((a) => (typeof a === 'string' ? redact(a) : a)));
  return { debug: wrap('debug'), info: wrap('info'), error: wrap('error') };
}

/** The methods a user's logger may have; the library calls no other. */
export const LOGGER_METHODS = ['debug', 'info', 'error'] as const;

/**
 * The one check of a user's `logger` (client, stream, processor, and so the CLI): none
 * (`undefined`), or an object whose `debug`, `info` and `error`, each when present, are functions
 * (`console` fits; a missing one is skipped). Throws an {@link ArgumentError} naming `logger`.
 */
export function loggerOption(raw: unknown): Partial<Logger> | undefined {
  if (raw === undefined) return undefined;
  const bad =
    raw === null || typeof raw !== 'object'
      ? kind(raw)
      : LOGGER_METHODS.filter((m) => {
          const method = (raw as Record<string, unknown>)[m];
          return method !== undefined && typeof method !== 'function';
        })
          .map((m) => `\`${m}\` is ${kind((raw as Record<string, unknown>)[m])}`)
          .join(' and ');
  if (bad)
    throw new ArgumentError(
      `Expected \`logger\` to be an object whose debug, info and error methods (each optional) are functions, got ${bad.startsWith('`') ? `one whose ${bad}` : bad}`,
      'logger',
    );
  return raw as Partial<Logger>;
}

function kind(value: unknown): string {
  if (value === null) return 'null';
  return /^[aeiou]/.test(typeof value) ? `an ${typeof value}` : `a ${typeof value}`;
}
