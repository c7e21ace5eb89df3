import type { RateLimits } from './types';

/** Options every error of this library accepts. */
export interface ErrorOptions {
  cause?: unknown;
}

/** {@link ArgumentError}'s options: `expected`, what the option takes. */
export interface ArgumentErrorOptions extends ErrorOptions {
  expected?: string;
  /** What to do about the value, when a fix is known (already at the end of the message). */
  hint?: string;
}

/**
 * The key under which every error of this library lists the classes it belongs to, e.g.
 * `['Auth0LogToolsError', 'ManagementApiError', 'TokenRequestError']`. A `Symbol.for` key is
 * shared by every copy of this package loaded in a process (two versions in `node_modules`, a
 * bundled CLI), so `instanceof` and the `is...Error` guards hold across copies (gaxios brands its
 * `GaxiosError` the same way).
 */
export const ERROR_BRAND: unique symbol = Symbol.for('auth0-log-tools.error');

/** Each class's own brand, a static property (not inherited by a user's subclass). */
const CLASS_BRAND = Symbol('auth0-log-tools.class-brand');

function brandsOf(constructor: unknown): string[] {
  const brands: string[] = [];
  for (let c = constructor; typeof c === 'function'; c = Object.getPrototypeOf(c)) {
    if (Object.hasOwn(c, CLASS_BRAND))
      brands.unshift((c as unknown as { [CLASS_BRAND]: string })[CLASS_BRAND]);
  }
  return brands;
}

function hasBrand(value: unknown, brand: string): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const brands = (value as { [ERROR_BRAND]?: unknown })[ERROR_BRAND];
  return Array.isArray(brands) && brands.includes(brand);
}

/**
 * Base class of every error this library throws or rejects with. `code` is a stable string to
 * branch on; `cause` is the underlying error, already stripped of secrets.
 */
export class Auth0LogToolsError extends Error {
  static readonly [CLASS_BRAND]: string = 'Auth0LogToolsError';

  /**
   * `value instanceof X` is true for an instance of `X` from any copy of this package: its
   * {@link ERROR_BRAND} lists `X`'s brand. A user's subclass (no brand of its own) keeps the
   * ordinary prototype check.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    return Object.hasOwn(this, CLASS_BRAND) && hasBrand(value, this[CLASS_BRAND]);
  }

  override name = 'Auth0LogToolsError';
  readonly code: string;
  declare readonly [ERROR_BRAND]: readonly string[];

  constructor(code: string, message: string, options: ErrorOptions = {}) {
    super(message, 'cause' in options ? { cause: options.cause } : undefined);
    this.code = code;
    Object.defineProperty(this, ERROR_BRAND, {
      value: Object.freeze(brandsOf(new.target)),
      enumerable: false,
    });
  }

  /** A JSON form that holds only what is safe to store or print. */
  toJSON(): Record<string, unknown> {
    const json: Record<string, unknown> = {
      name: this.name,
      code: this.code,
      message: this.message,
    };
    for (const key of ['status', 'limits', 'retryAfterMs', 'option']) {
      const value = (this as Record<string, unknown>)[key];
      if (value !== undefined) json[key] = value;
    }
    return json;
  }
}

/** Bad input: an option, a stored document or an argument. `option` names the culprit. */
export class ArgumentError extends Auth0LogToolsError {
  static override readonly [CLASS_BRAND]: string = 'ArgumentError';
  override name = 'ArgumentError';
  readonly option: string | undefined;
  /**
   * What the option takes, in the words of the message (`an integer from 1 to 1000`), when the
   * options kit refused a value: lets a caller (the CLI) say it with its own name for the option.
   */
  readonly expected: string | undefined;
  /**
   * What to do about the value (`drop the scheme (http://)`), when a fix is known: the message
   * ends with it; a caller that rewords the message (the CLI) appends it to its own.
   */
  readonly hint: string | undefined;

  constructor(message: string, option?: string, options: ArgumentErrorOptions = {}) {
    const { expected, hint, ...rest } = options;
    super('invalid_argument', message, rest);
    this.option = option;
    this.expected = expected;
    this.hint = hint;
  }
}

/** Extra facts a Management API error may carry. */
export interface ManagementApiErrorOptions extends ErrorOptions {
  /** HTTP status, when the server answered. */
  status?: number;
  /** Rate-limit headers of the failed response, when present. */
  limits?: RateLimits;
  /** How long the server asked us to wait (`Retry-After` or `x-ratelimit-reset`), in ms. */
  retryAfterMs?: number;
  /** The answer, as the original's (superagent's) errors carried it; its text already redacted. */
  response?: ManagementApiResponse;
}

/**
 * The failed answer: `text` is its body (secrets replaced by `[REDACTED]`), as the original's
 * errors exposed it (`err.response.text`).
 */
export interface ManagementApiResponse {
  /** HTTP status. */
  status: number;
  /** The body as text, redacted. */
  text: string;
}

/**
 * The Management API (or its token endpoint) answered with an error, or could not be reached.
 * `code` is the API's `error` field (`unauthorized`, `too_many_requests`, ...) or, for network
 * failures, the system code (`ECONNREFUSED`, `ETIMEDOUT`, ...).
 */
export class ManagementApiError extends Auth0LogToolsError {
  static override readonly [CLASS_BRAND]: string = 'ManagementApiError';
  override name = 'ManagementApiError';
  readonly status: number | undefined;
  readonly limits: RateLimits | undefined;
  readonly retryAfterMs: number | undefined;
  /** The failed answer (status and redacted body text), when the server answered. */
  readonly response: ManagementApiResponse | undefined;

  constructor(code: string, message: string, options: ManagementApiErrorOptions = {}) {
    super(code, message, options);
    this.status = options.status;
    this.limits = options.limits;
    this.retryAfterMs = options.retryAfterMs;
    this.response = options.response;
  }
}

/**
 * The token request (`POST /oauth/token`) failed. A subclass of {@link ManagementApiError} whose
 * `name` stays `'ManagementApiError'`, as the original's token errors were named (code that checks
 * `err.name` keeps working); tell it apart with `instanceof` or {@link isTokenRequestError}.
 */
export class TokenRequestError extends ManagementApiError {
  static override readonly [CLASS_BRAND]: string = 'TokenRequestError';
}

/**
 * The API answered 2xx with something that is not what it documents (e.g. not a JSON array). A
 * {@link ManagementApiError} by `name` too, as the original's `unknown_error`; tell it apart with
 * `instanceof` or {@link isInvalidResponseError}.
 */
export class InvalidResponseError extends ManagementApiError {
  static override readonly [CLASS_BRAND]: string = 'InvalidResponseError';
}

/** The user's handler failed (rejected, threw, or called back with an error). */
export class HandlerError extends Auth0LogToolsError {
  static override readonly [CLASS_BRAND]: string = 'HandlerError';
  override name = 'HandlerError';
  constructor(message: string, options: ErrorOptions = {}) {
    super('handler_failed', message, options);
  }
}

/** The `StorageContext` failed, or holds a document this library cannot trust. */
export class StorageError extends Auth0LogToolsError {
  static override readonly [CLASS_BRAND]: string = 'StorageError';
  override name = 'StorageError';

  constructor(code: string, message: string, options: ErrorOptions = {}) {
    super(code, message, 'cause' in options ? { cause: bareCause(options.cause) } : {});
  }
}

/**
 * A storage's own error may carry the document it failed to write (an HTTP client's `config.data`),
 * access token included: keep only its name, message, code and stack. Ours are already safe.
 */
function bareCause(cause: unknown): unknown {
  if (cause instanceof Auth0LogToolsError || cause === undefined || cause === null) return cause;
  const source = cause instanceof Error ? cause : undefined;
  const copy = new Error(source ? source.message : String(cause));
  copy.name = source?.name ?? 'Error';
  const code = (cause as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') Object.assign(copy, { code });
  if (source?.stack) copy.stack = source.stack;
  return copy;
}

/** The work was stopped through an `AbortSignal`. */
export class AbortError extends Auth0LogToolsError {
  static override readonly [CLASS_BRAND]: string = 'AbortError';
  override name = 'AbortError';
  constructor(message = 'The operation was aborted', options: ErrorOptions = {}) {
    super('aborted', message, options);
  }
}

/** True for an error of this library (any class), even from another copy of it. */
export function isAuth0LogToolsError(error: unknown): error is Auth0LogToolsError {
  return hasBrand(error, 'Auth0LogToolsError');
}

/** True for a {@link ManagementApiError} (or subclass), even from another copy of this library. */
export function isManagementApiError(error: unknown): error is ManagementApiError {
  return hasBrand(error, 'ManagementApiError');
}

/** True for a {@link TokenRequestError}, even from another copy of this library. */
export function isTokenRequestError(error: unknown): error is TokenRequestError {
  return hasBrand(error, 'TokenRequestError');
}

/** True for an {@link InvalidResponseError}, even from another copy of this library. */
export function isInvalidResponseError(error: unknown): error is InvalidResponseError {
  return hasBrand(error, 'InvalidResponseError');
}

/** True for an {@link ArgumentError}, even from another copy of this library. */
export function isArgumentError(error: unknown): error is ArgumentError {
  return hasBrand(error, 'ArgumentError');
}

/** True for a {@link HandlerError}, even from another copy of this library. */
export function isHandlerError(error: unknown): error is HandlerError {
  return hasBrand(error, 'HandlerError');
}

/** True for a {@link StorageError}, even from another copy of this library. */
export function isStorageError(error: unknown): error is StorageError {
  return hasBrand(error, 'StorageError');
}

/** True for an {@link AbortError}, even from another copy of this library. */
export function isAbortError(error: unknown): error is AbortError {
  return hasBrand(error, 'AbortError');
}

/**
 * True when retrying cannot help: the error, or an error in its `cause` chain, has an own
 * `permanent: true` property. A handler marks its errors so (an invalid token, a 400 for the
 * payload), and the processor then stops retrying that batch.
 */
export function isPermanentError(error: unknown): boolean {
  for (let e = error, depth = 0; typeof e === 'object' && e !== null && depth < 8; depth++) {
    if ((e as { permanent?: unknown }).permanent === true) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** The message of anything thrown, for statuses and logs. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}

/**
 * `code` of the error a request (or its wait for the token) rejects with when the caller's
 * `deadline` cuts it short: the run-time limit at work, so the page source stops with
 * `max_run_time` instead of failing. Marked permanent: no retry can fit before the deadline.
 */
export const DEADLINE_CODE = 'run_deadline';
