import { ArgumentError, isArgumentError } from '../errors';
import { Redactor } from '../util/redact';
import type { Range } from './limits';

/**
 * The one checking kit of every option: faces, destinations, storage, the testing kit and the
 * cluster worker. Every fault reads ``Expected `name` to be <expected>, got <value>`` (p-retry's
 * form) and is an {@link ArgumentError} whose `option` names the option; a required setting left
 * blank reads ``Expected `name` to be set (<hint>)``, quoting nothing ({@link unquoted}). Ranges come from
 * `LIMITS` (`./limits`); defaults from `DEFAULTS`.
 */

/** How a message names an option, when it is not the option's own name (`splunk.token`). */
export interface Naming {
  /** The name the message shows; the error's `option` stays the option's own name. */
  shown?: string;
  /** Show only the value's type, never the value (credentials). */
  secret?: boolean;
}

/** The type of a value with its article, never the value: `a number`, `an empty string`, `null`. */
export function kindOf(raw: unknown): string {
  if (raw === null || raw === undefined) return String(raw);
  if (typeof raw === 'string' && raw.trim() === '') return 'an empty string';
  if (Array.isArray(raw)) return 'an array';
  return /^[aeiou]/.test(typeof raw) ? `an ${typeof raw}` : `a ${typeof raw}`;
}

/**
 * A value as a message shows it: a string in double quotes, a number, `true`, `null` as they
 * are, a `Date` in ISO 8601; an object, array or function by its kind only (it may hold a
 * secret).
 */
export function show(raw: unknown): string {
  if (typeof raw === 'string') return JSON.stringify(raw);
  if (raw === null || raw === undefined) return String(raw);
  if (typeof raw === 'number' || typeof raw === 'bigint' || typeof raw === 'boolean')
    return String(raw);
  if (raw instanceof Date)
    return Number.isNaN(raw.getTime()) ? 'an invalid Date' : raw.toISOString();
  return kindOf(raw);
}

/** ``Expected `name` to be <expected>, got <raw>`` as an {@link ArgumentError} naming `name`. */
export function invalid(
  name: string,
  expected: string,
  raw: unknown,
  naming: Naming = {},
): ArgumentError {
  return invalidAs(name, expected, naming.secret ? kindOf(raw) : show(raw), naming.shown);
}

/** ``Expected `name` to be <expected>, got <got>`` where `got` is already worded. */
export function invalidAs(
  name: string,
  expected: string,
  got: string,
  shown = name,
): ArgumentError {
  return new ArgumentError(`Expected \`${shown}\` to be ${expected}, got ${got}`, name, {
    expected,
  });
}

/**
 * ``Expected `name` to be <expected>``, quoting nothing: for a required setting left blank (there
 * is nothing to quote) and for a secret (never quoted, not even its shape).
 */
export function unquoted(name: string, expected: string, shown = name): ArgumentError {
  return new ArgumentError(`Expected \`${shown}\` to be ${expected}`, name, { expected });
}

/** `undefined`, `null` and `''`: the option is not given (configuration leaves blanks). */
export const blank = (raw: unknown): raw is undefined | null | '' =>
  raw === undefined || raw === null || raw === '';

/**
 * `an integer from 1 to 1000`, `an integer of at least 2000`, `a number above 0`, `a number above
 * 0 and up to 86400`.
 */
export function describeRange(kind: 'an integer' | 'a number', range: Range): string {
  const open = range.max === Infinity;
  if (range.above) return `${kind} above ${range.min}${open ? '' : ` and up to ${range.max}`}`;
  return open ? `${kind} of at least ${range.min}` : `${kind} from ${range.min} to ${range.max}`;
}

function inRange(value: number, range: Range): boolean {
  return (range.above ? value > range.min : value >= range.min) && value <= range.max;
}

/**
 * An integer in `range`; blank is `fallback` (required when `fallback` is `undefined`). Numeric
 * strings in decimal digits (configuration from the environment) too, unless `strict` (then
 * only `undefined` is blank): `'1e2'`, `'0x10'` and `'2.5'` never.
 */
export function integerOption(
  name: string,
  raw: unknown,
  fallback: number | undefined,
  range: Range,
  naming: Naming & { strict?: boolean } = {},
): number {
  if (fallback !== undefined && (naming.strict ? raw === undefined : blank(raw))) return fallback;
  const value =
    !naming.strict && typeof raw === 'string' && /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isInteger(value) || !inRange(value, range))
    throw invalid(name, describeRange('an integer', range), raw, naming);
  return value;
}

/** A finite number in `range` (no strings); `undefined` is `fallback` (required without one). */
export function numberOption(
  name: string,
  raw: unknown,
  fallback: number | undefined,
  range: Range,
  naming: Naming = {},
): number {
  if (raw === undefined && fallback !== undefined) return fallback;
  if (typeof raw !== 'number' || !Number.isFinite(raw) || !inRange(raw, range))
    throw invalid(name, describeRange('a number', range), raw, naming);
  return raw;
}

/**
 * `true` or `false`; blank is `fallback`. With `strings`, `'true'` and `'false'` too (as
 * configuration gives them).
 */
export function booleanOption(
  name: string,
  raw: unknown,
  fallback: boolean,
  naming: Naming & { strings?: boolean } = {},
): boolean {
  if (raw === undefined || raw === null || (naming.strings && raw === '')) return fallback;
  if (raw === true || (naming.strings && raw === 'true')) return true;
  if (raw === false || (naming.strings && raw === 'false')) return false;
  throw invalid(name, 'true or false', raw, naming);
}

/** A string that is not blank; blank is `fallback`. */
export function textOption(name: string, raw: unknown, fallback: string, naming?: Naming): string;
export function textOption(
  name: string,
  raw: unknown,
  fallback?: string,
  naming?: Naming,
): string | undefined;
export function textOption(
  name: string,
  raw: unknown,
  fallback?: string,
  naming: Naming = {},
): string | undefined {
  if (blank(raw)) return fallback;
  if (typeof raw !== 'string' || raw.trim() === '')
    throw invalid(name, 'a non-empty string', raw, naming);
  return raw;
}

/** A function; `undefined` is `fallback`. */
export function functionOption<T>(name: string, raw: unknown, fallback: T): T {
  if (raw === undefined) return fallback;
  if (typeof raw !== 'function') throw invalid(name, 'a function', raw);
  return raw as T;
}

/**
 * `signal`: an `AbortSignal` (checked by shape, so one of another realm or a polyfill passes), or
 * none (`undefined`, `null`). Throws an {@link ArgumentError} naming `name` for anything else.
 */
export function signalOption(raw: unknown, name = 'signal'): AbortSignal | undefined {
  if (raw === undefined || raw === null) return undefined;
  const signal = raw as Partial<AbortSignal>;
  if (
    typeof raw === 'object' &&
    typeof signal.aborted === 'boolean' &&
    typeof signal.addEventListener === 'function' &&
    typeof signal.removeEventListener === 'function'
  )
    return raw as AbortSignal;
  throw invalid(name, 'an AbortSignal', raw);
}

/** An object with these methods (a cache, a client); `undefined` is `undefined`. */
export function methodsOption<T>(
  name: string,
  raw: unknown,
  methods: readonly string[],
  expected = `an object with ${methods.map((m) => `${m}()`).join(' and ')} methods`,
): T | undefined {
  if (raw === undefined) return undefined;
  const ok =
    raw !== null &&
    (typeof raw === 'object' || typeof raw === 'function') &&
    methods.every((m) => typeof (raw as Record<string, unknown>)[m] === 'function');
  if (!ok) throw invalid(name, expected, raw);
  return raw as T;
}

/**
 * Runs `resolve`; an {@link ArgumentError} it throws comes out with the options' client secret
 * (and its encoded forms) masked, so a secret pasted into the wrong option is never echoed back by
 * a message that quotes the value.
 */
export function maskingSecret<T>(options: unknown, resolve: () => T): T {
  try {
    return resolve();
  } catch (error) {
    const { clientId, clientSecret } = (options ?? {}) as Record<string, unknown>;
    if (!isArgumentError(error) || typeof clientSecret !== 'string') throw error;
    const redactor = new Redactor();
    redactor.addBasic(typeof clientId === 'string' ? clientId : '', clientSecret);
    const message = redactor.redact(error.message);
    if (message === error.message) throw error;
    throw new ArgumentError(message, error.option, {
      ...(error.expected === undefined ? {} : { expected: error.expected }),
    });
  }
}
