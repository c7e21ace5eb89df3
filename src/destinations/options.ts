import type { AxiosInstance } from 'axios';
import { ArgumentError } from '../errors';
import { blank, booleanOption, integerOption, show, textOption, unquoted } from '../options/check';
import { LIMITS } from '../options/limits';
import { DESTINATION_DEFAULTS } from './defaults';
import { nearest } from '../util/nearest';

/** Options every HTTP destination takes besides its own. */
export interface HttpDestinationOptions {
  /**
   * Allows a plain `http://` URL to a host that is not a loopback address (the credential then
   * crosses the network in clear).
   * @default false
   */
  allowInsecureHttp?: boolean | string;
  /** PEM certificate(s) of a private CA to trust, besides Node's built-in roots. */
  ca?: string | Buffer | Array<string | Buffer>;
  /**
   * Timeout of each request in milliseconds.
   * @default 30000
   */
  timeoutMs?: number | string;
  /** The axios instance to send with (tests, proxies). Default: one keep-alive instance. */
  http?: AxiosInstance;
}

/** Where the message of a validation error says the value came from (`splunk.token`, `--to-option index`). */
export type OptionName = (name: string) => string;

/** Names an option as `<kind>.<name>` (the library form). */
export const libraryName =
  (kind: string): OptionName =>
  (name) =>
    `${kind}.${name}`;

/** A non-empty string, or `fallback` when absent. */
export function text(
  name: string,
  raw: unknown,
  label: OptionName,
  fallback?: string,
): string | undefined {
  return textOption(name, raw, fallback, { shown: label(name) });
}

/** A required non-empty string (a secret's message never shows the value). */
export function required(name: string, raw: unknown, label: OptionName, hint = ''): string {
  const value = text(name, raw, label);
  if (value === undefined) throw unquoted(name, `set${hint ? ` (${hint})` : ''}`, label(name));
  return value;
}

/** A secret: required, and never echoed back in a message. */
export function secret(name: string, raw: unknown, label: OptionName, hint: string): string {
  if (blank(raw)) throw unquoted(name, `set (${hint})`, label(name));
  if (typeof raw !== 'string' || raw.trim() !== raw || /[\r\n]/.test(raw))
    throw unquoted(name, `a string without spaces or line breaks around it (${hint})`, label(name));
  return raw;
}

/** An integer from `min` to `max` (a numeric string too, as configuration gives them). */
export function integer(
  name: string,
  raw: unknown,
  label: OptionName,
  fallback: number,
  min: number,
  max: number,
): number {
  return integerOption(name, raw, fallback, { min, max }, { shown: label(name) });
}

/** `true`/`false` (or the strings, as configuration gives them). */
export function flag(name: string, raw: unknown, label: OptionName, fallback: boolean): boolean {
  return booleanOption(name, raw, fallback, { shown: label(name), strings: true });
}

/** Rejects keys a destination does not know, naming the first one and the known ones. */
export function knownKeys(
  options: object,
  known: readonly string[],
  label: OptionName,
  kind: string,
): void {
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new ArgumentError(
        `Unknown option \`${label(key)}\` for ${kind}; expected one of ${known.join(', ')}${didYouMean(key, known, label)}`,
        key,
      );
    }
  }
}

/** ` (did you mean \`index\`?)` for a key near a known one; else empty. */
export function didYouMean(key: string, known: readonly string[], label: OptionName): string {
  const near = nearest(key, known);
  return near ? ` (did you mean \`${label(near)}\`?)` : '';
}

/** The options object itself: a plain object. */
export function plainObject<T extends object>(raw: unknown, what: string): T {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ArgumentError(`Expected \`${what}\` options to be an object, got ${show(raw)}`, what);
  }
  return raw as T;
}

/**
 * `timeoutMs`, the timeout of each request every destination takes: 1 ms to 1 h.
 * @default DESTINATION_DEFAULTS.timeoutMs (30000)
 */
export function timeoutOption(raw: unknown, label: OptionName): number {
  const { min, max } = LIMITS.destinationTimeoutMs;
  return integer('timeoutMs', raw, label, DESTINATION_DEFAULTS.timeoutMs, min, max);
}

/** `maxRequestBytes`, the size a batch is split to stay within: 1 KiB to 1 GiB. */
export function requestBytesOption(raw: unknown, label: OptionName, fallback: number): number {
  const { min, max } = LIMITS.maxRequestBytes;
  return integer('maxRequestBytes', raw, label, fallback, min, max);
}
