import { Auth0LogToolsError, type ErrorOptions } from '../errors';
import type { RejectedLog } from '../types';

/** Facts a {@link DestinationError} carries. */
export interface DestinationErrorOptions extends ErrorOptions {
  /** Whether retrying cannot help (an invalid token, an unknown index, a payload refused). */
  permanent: boolean;
  /** HTTP status of the destination's answer, when it answered. */
  status?: number;
  /** How long the destination asked to wait before the next try (`Retry-After`), in ms. */
  retryAfterMs?: number;
  /**
   * Node's code of the failure underneath, when it was a network or file error (`ECONNREFUSED`,
   * `CERT_HAS_EXPIRED`, `ENOSPC`); see `util/system-codes.ts` for the ones that are permanent.
   */
  systemCode?: string;
  /**
   * The logs the destination refused for good while it stored every other log of the batch (an
   * Elasticsearch bulk item answered 400 `mapper_parsing_exception`): each `log_id` and the
   * destination's reason. Set only with `permanent: true`; the processor hands them to its
   * `deadLetter` and acknowledges the batch.
   */
  rejected?: RejectedLog[];
}

/**
 * A destination refused a batch or could not be reached. `destination` is its kind (`file`,
 * `stdout`, `post`, `splunk`, `datadog`, `elastic`, `s3`); `code` is the destination's own reason
 * where it gives one (`splunk_invalid_token`, `elastic_version_conflict_engine_exception`,
 * `s3_no_such_bucket`), else `<kind>_http_<status>` or the system code of a network or write
 * failure (also in `systemCode`). The message names the reason and never holds a credential.
 * `permanent` is an own property, so `isPermanentError` sees it and the processor does not retry
 * the batch.
 */
export class DestinationError extends Auth0LogToolsError {
  override name = 'DestinationError';
  readonly destination: string;
  readonly status: number | undefined;
  readonly permanent: boolean;
  /** What the destination asked to wait before the next try, in ms; `undefined` when it did not. */
  readonly retryAfterMs: number | undefined;
  /** Node's code of the network or file failure underneath (`ECONNREFUSED`, `ENOSPC`). */
  readonly systemCode: string | undefined;
  /** The logs refused for good while the rest of the batch was stored; see {@link DestinationErrorOptions}. */
  readonly rejected: RejectedLog[] | undefined;

  constructor(
    destination: string,
    code: string,
    message: string,
    options: DestinationErrorOptions,
  ) {
    super(code, message, 'cause' in options ? { cause: options.cause } : {});
    this.destination = destination;
    this.status = options.status;
    this.permanent = options.permanent;
    this.retryAfterMs = options.retryAfterMs;
    this.systemCode = options.systemCode;
    this.rejected = options.rejected;
  }

  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      destination: this.destination,
      permanent: this.permanent,
      ...(this.systemCode === undefined ? {} : { systemCode: this.systemCode }),
      ...(this.rejected === undefined ? {} : { rejected: this.rejected }),
    };
  }
}

/** `Invalid token` -> `invalid_token`: a reason as a stable code fragment. */
export function codeOf(reason: string): string {
  return (
    reason
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '_')
      .replace(/^_+|_+$/g, '') || 'unknown'
  );
}

/** HTTP statuses worth retrying: timeouts, rate limits and server errors. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** True for a {@link DestinationError}, even from another copy of this library. */
export function isDestinationError(error: unknown): error is DestinationError {
  return (
    error instanceof DestinationError ||
    (typeof error === 'object' && error !== null && (error as Error).name === 'DestinationError')
  );
}
