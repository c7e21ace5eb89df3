import type { AxiosInstance, AxiosRequestConfig, AxiosResponse } from 'axios';
import { AbortError, DEADLINE_CODE, ManagementApiError, TokenRequestError } from '../errors';
import { headersOf, markPermanent, networkError } from './http';
import { MAX_TIMEOUT_MS } from '../options/limits';
import type { TenantClock } from './rate-limits';
import type { Redactor } from '../util/redact';
import { eitherSignal } from '../util/signals';

/** Which endpoint a request goes to: `POST /oauth/token` or `GET /api/v2/logs`. */
export type RequestKind = 'token' | 'logs';

/** What one request may take: its caller's signal, and the epoch ms (`now`) it must end by. */
export interface SendLimits {
  signal?: AbortSignal | undefined;
  deadline?: number | undefined;
}

/**
 * Sends one request and resolves its answer, whatever its status. Rejects with an `AbortError`
 * when `signal` aborts, and with a `TokenRequestError` (`kind` `'token'`) or `ManagementApiError`
 * carrying the system code when no answer came (`ETIMEDOUT`, `ECONNREFUSED`, `run_deadline`...).
 */
export type Send = (
  kind: RequestKind,
  config: AxiosRequestConfig,
  limits?: SendLimits,
) => Promise<AxiosResponse>;

/** What {@link createSend} sends with. */
export interface SendOptions {
  http: AxiosInstance;
  /** Longest a request may take in all (headers and body), in ms. */
  timeoutMs: number;
  /** Largest answer body accepted, in bytes. */
  maxResponseBytes: number;
  /** The local clock, in epoch ms. */
  now: () => number;
  /** Told every answer's `Date` header. */
  clock: TenantClock;
  /** Masks secrets in the messages of the errors it rejects with. */
  redactor: Redactor;
}

/**
 * A {@link Send} bounded as a whole (headers and body) by `timeoutMs` or what is left until the
 * deadline, and its body by `maxResponseBytes`; each answer's `Date` goes to the tenant clock.
 */
export function createSend(o: SendOptions): Send {
  return async (kind, config, limits = {}) => {
    const { signal, deadline } = limits;
    if (signal?.aborted) throw new AbortError();
    const sentAt = o.now();
    const left = deadline === undefined ? Infinity : deadline - sentAt;
    const budget = Math.min(o.timeoutMs, left);
    const timeoutError = (why: string, code = 'ETIMEDOUT') =>
      networkError(kind, Object.assign(new Error(why), { code }), o.redactor);
    if (!(budget >= 1)) throw deadlineError(kind, 'no time left before the deadline', o.redactor);
    const timeout = AbortSignal.timeout(Math.floor(budget));
    try {
      const response = await o.http.request({
        ...config,
        timeout: 0,
        maxContentLength: o.maxResponseBytes,
        signal: signal ? eitherSignal(signal, timeout) : timeout,
      });
      o.clock.observe(headersOf(response)('date'), sentAt, o.now());
      return response;
    } catch (error) {
      if (signal?.aborted) throw new AbortError();
      if (timeout.aborted) {
        throw budget < o.timeoutMs
          ? markPermanent(
              timeoutError(
                `the run's deadline came ${Math.floor(budget)} ms into the request`,
                DEADLINE_CODE,
              ),
            )
          : timeoutError(`timed out after ${o.timeoutMs} ms (\`timeoutMs\`)`);
      }
      if (/maxContentLength size of/.test((error as Error).message ?? '')) {
        const what = kind === 'token' ? 'POST /oauth/token' : 'GET /api/v2/logs';
        throw markPermanent(
          new (kind === 'token' ? TokenRequestError : ManagementApiError)(
            'response_too_large',
            `${what} answered with a body over ${o.maxResponseBytes} bytes (\`maxResponseBytes\`)`,
          ),
        );
      }
      throw networkError(kind, error, o.redactor);
    }
  };
}

/**
 * The error of a request (or a wait for one) that the caller's deadline cut short: code
 * `run_deadline` (`DEADLINE_CODE`), marked permanent.
 */
export function deadlineError(kind: RequestKind, why: string, redactor: Redactor) {
  return markPermanent(
    networkError(kind, Object.assign(new Error(why), { code: DEADLINE_CODE }), redactor),
  );
}

/**
 * Settles with `promise`, or rejects with a {@link deadlineError} of kind `'token'` when `deadline`
 * (epoch ms, `now`'s clock) comes first: a caller never waits past it for the shared token request,
 * which goes on for the others.
 */
export async function beforeDeadline<T>(
  promise: Promise<T>,
  deadline: number | undefined,
  now: () => number,
  redactor: Redactor,
): Promise<T> {
  if (deadline === undefined) return promise;
  const left = deadline - now();
  if (!(left >= 1)) {
    promise.catch(() => undefined);
    throw deadlineError('token', 'no time left before the deadline', redactor);
  }
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          deadlineError(
            'token',
            "the run's deadline came while waiting for the access token",
            redactor,
          ),
        ),
      Math.min(left, MAX_TIMEOUT_MS),
    );
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}
