import type { RateLimits } from './types';

/** Options every error of this library accepts. */
export interface ErrorOptions {
  cause?: unknown;
}

/**
 * Base class of every error this library throws or rejects with. `code` is a stable string to
 * branch on; `cause` is the underlying error, already stripped of secrets.
 */
export class Auth0LogToolsError extends Error {
  override name = 'Auth0LogToolsError';
  readonly code: string;

  constructor(code: string, message: string, options: ErrorOptions = {}) {
    super(message, 'cause' in options ? { cause: options.cause } : undefined);
    this.code = code;
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
  override name = 'ArgumentError';
  readonly option: string | undefined;

  constructor(message: string, option?: string, options: ErrorOptions = {}) {
    super('invalid_argument', message, options);
    this.option = option;
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
}

/**
 * The Management API (or its token endpoint) answered with an error, or could not be reached.
 * `code` is the API's `error` field (`unauthorized`, `too_many_requests`, ...) or, for network
 * failures, the system code (`ECONNREFUSED`, `ETIMEDOUT`, ...).
 */
export class ManagementApiError extends Auth0LogToolsError {
  override name = 'ManagementApiError';
  readonly status: number | undefined;
  readonly limits: RateLimits | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(code: string, message: string, options: ManagementApiErrorOptions = {}) {
    super(code, message, options);
    this.status = options.status;
    this.limits = options.limits;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** The token request (`POST /oauth/token`) failed. A subclass of {@link ManagementApiError}. */
export class TokenRequestError extends ManagementApiError {
  override name = 'TokenRequestError';
}

/** The API answered 2xx with something that is not what it documents (e.g. not a JSON array). */
export class InvalidResponseError extends ManagementApiError {
  override name = 'InvalidResponseError';
}

/** The user's handler failed (rejected, threw, or called back with an error). */
export class HandlerError extends Auth0LogToolsError {
  override name = 'HandlerError';
  constructor(message: string, options: ErrorOptions = {}) {
    super('handler_failed', message, options);
  }
}

/** The `StorageContext` failed, or holds a document this library cannot trust. */
export class StorageError extends Auth0LogToolsError {
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
  override name = 'AbortError';
  constructor(message = 'The operation was aborted', options: ErrorOptions = {}) {
    super('aborted', message, options);
  }
}

function hasName(error: unknown, ...names: string[]): boolean {
  return typeof error === 'object' && error !== null && names.includes((error as Error).name);
}

/** True for a {@link ManagementApiError} (or subclass), even from another copy of this library. */
export function isManagementApiError(error: unknown): error is ManagementApiError {
  return (
    error instanceof ManagementApiError ||
    hasName(error, 'ManagementApiError', 'TokenRequestError', 'InvalidResponseError')
  );
}

/** True for an {@link ArgumentError}, even from another copy of this library. */
export function isArgumentError(error: unknown): error is ArgumentError {
  return error instanceof ArgumentError || hasName(error, 'ArgumentError');
}

/** True for an {@link AbortError}, even from another copy of this library. */
export function isAbortError(error: unknown): error is AbortError {
  return error instanceof AbortError || hasName(error, 'AbortError');
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
