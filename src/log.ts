import createDebug from 'debug';
import type { Logger } from './types';

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
