import { ArgumentError } from '../errors';
import { getLogType, logTypes } from '../auth0/log-types';
import { LOG_CATEGORIES, isLogCategory, logCategoryOf } from '../auth0/log-categories';
import type { LogEvent } from '../types';
import { nearest } from '../util/nearest';

/** Prefix that names a log type code the catalog does not know yet: `'+new_code'`. */
export const UNKNOWN_TYPE_PREFIX = '+';

/**
 * Which logs a run ships: the `logTypes` codes, the types of the `categories` (Log Streams' filter
 * categories) and every type at `logLevel` or above. A type the
 * catalog does not know (Auth0 adds new ones) has no level: it always passes the level filter and
 * is recorded in {@link LogFilter.unknownKept}.
 */
export interface LogFilter {
  /** True when `log` is shipped. */
  keeps(log: LogEvent): boolean;
  /** Types unknown to the catalog that the level filter let through, in first-seen order. */
  readonly unknownKept: ReadonlySet<string>;
}

/** A fresh filter for one run, or `undefined` when everything is shipped. */
export function createLogFilter(
  types: readonly string[] | undefined,
  level: number,
  categories: readonly string[] = [],
): LogFilter | undefined {
  if (!types?.length && level <= 0 && !categories.length) return undefined;
  const listed = new Set(types);
  const inCategories = new Set(categories);
  const unknownKept = new Set<string>();
  return {
    unknownKept,
    keeps(log: LogEvent): boolean {
      if (listed.has(log.type)) return true;
      if (inCategories.size && inCategories.has(logCategoryOf(String(log.type)))) return true;
      if (level <= 0) return false;
      const info = getLogType(log.type);
      if (info) return info.level >= level;
      unknownKept.add(String(log.type));
      return true;
    },
  };
}

/** The warning a run carries when logs of types the catalog does not know were kept. */
export function unknownTypesWarning(types: ReadonlySet<string>): string | undefined {
  if (types.size === 0) return undefined;
  const names = [...types].map((t) => `\`${t}\``).join(', ');
  return `Shipped logs of types the log type catalog does not know (logLevel cannot rank them): ${names}.`;
}

/** The catalog code closest to `code` (same letters in another case first), if one is close. */
export function nearestLogType(code: string): string | undefined {
  return nearest(code, Object.keys(logTypes));
}

/**
 * A code to filter on: a catalog code, or any code written with the {@link UNKNOWN_TYPE_PREFIX}
 * (`'+new_code'`), for types Auth0 added after this catalog. Throws an {@link ArgumentError}
 * naming `option` and the nearest known code otherwise.
 */
export function checkLogTypeCode(option: string, code: string): string {
  if (code.startsWith(UNKNOWN_TYPE_PREFIX) && code.length > UNKNOWN_TYPE_PREFIX.length)
    return code.slice(UNKNOWN_TYPE_PREFIX.length);
  if (getLogType(code)) return code;
  const near = nearestLogType(code);
  throw new ArgumentError(
    `\`${code}\` is not an Auth0 log type${near ? `; did you mean \`${near}\`?` : '.'} ` +
      `(\`${option}\`: write \`${UNKNOWN_TYPE_PREFIX}${code}\` for a code this catalog does not know yet)`,
    option,
  );
}

/**
 * A Log Streams filter category (`auth.login.fail`, `user.fail`, ...; see `LOG_CATEGORIES`).
 * Throws an {@link ArgumentError} naming `option` and the nearest category otherwise.
 */
export function checkLogCategory(option: string, name: string): string {
  if (isLogCategory(name)) return name;
  const names = Object.keys(LOG_CATEGORIES);
  // a category is a dotted phrase: allow more edits than for a short type code
  const near = nearest(name, names, Math.max(2, Math.floor(name.length / 3)));
  throw new ArgumentError(
    `\`${name}\` is not an Auth0 Log Streams category${near ? `; did you mean \`${near}\`?` : `; the categories are ${names.join(', ')}.`}`,
    option,
  );
}
