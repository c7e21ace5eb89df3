import pRetry from 'p-retry';
import { isAbortError, isManagementApiError, isPermanentError } from '../errors';
import { retryWait } from '../auth0/rate-limits';
import type { WaitReason } from '../types';
import { reportWait, type WaitListener } from '../util/wait';

/** Clock, sleep and randomness, injectable so tests run without real waits. */
export interface Timing {
  now: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  random: () => number;
}

/** Default sleep: a timer that an `AbortSignal` cuts short (resolving early, not rejecting). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

export const systemTiming: Timing = { now: Date.now, sleep, random: Math.random };

/** How a failing call is retried. */
export interface RetryPolicy extends Timing {
  /** Retries after the first attempt. */
  retries: number;
  minDelayMs: number;
  maxDelayMs: number;
  /** Epoch ms after which no retry (or wait) may end. */
  deadline: number;
  signal?: AbortSignal | undefined;
  /** Decides whether an error is worth another try. */
  shouldRetry: (error: unknown) => boolean;
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** Told before every wait between attempts (`onWait` of the processor and the stream). */
  onWait?: WaitListener | undefined;
  /** The reason those waits report. @default 'retry' */
  waitReason?: WaitReason;
}

/**
 * 408, 429, 5xx, network failures and unreadable answers are transient; an error marked permanent
 * (`isPermanentError`: TLS verification, unknown host, plain HTTP on the TLS port, other 4xx) and an
 * abort are not.
 */
export function isTransient(error: unknown): boolean {
  if (isAbortError(error) || isPermanentError(error) || !isManagementApiError(error)) return false;
  const status = error.status;
  if (status === undefined) return true;
  return status === 408 || status === 429 || status >= 500 || error.code === 'invalid_response';
}

/**
 * The wait before retry `attempt` (1-based): exponential backoff with full jitter, or what the
 * server asked for (`retryAfterMs`, of the error or of its cause: a handler's error wraps the
 * destination's) when that is longer; never more than `maxDelayMs` (`DEFAULTS.maxRetryDelayMs`,
 * 30 s, the documented cap of a `Retry-After` within a run).
 */
export function retryDelay(
  error: unknown,
  attempt: number,
  policy: Pick<RetryPolicy, 'minDelayMs' | 'maxDelayMs' | 'random'>,
): number {
  const asked = askedWaitMs(error);
  return retryWait(asked === undefined ? error : { retryAfterMs: asked }, attempt, policy);
}

/**
 * The wait (ms) the failing side asked for: the `retryAfterMs` of the error or of one of its
 * causes (a `HandlerError` wraps a destination's `DestinationError`); `undefined` when none did.
 */
export function askedWaitMs(error: unknown): number | undefined {
  for (let e = error, depth = 0; typeof e === 'object' && e !== null && depth < 8; depth++) {
    const asked = (e as { retryAfterMs?: unknown }).retryAfterMs;
    if (typeof asked === 'number' && Number.isFinite(asked) && asked > 0) return asked;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Runs `fn` until it succeeds, a non-transient error occurs, the retries are spent, the signal is
 * aborted, or the next wait would end past the deadline. Rejects with the last error.
 */
export function withRetry<T>(fn: (attempt: number) => Promise<T>, policy: RetryPolicy): Promise<T> {
  return pRetry(
    async (attempt) => {
      try {
        return await fn(attempt);
      } catch (error) {
        if (!policy.shouldRetry(error) || policy.signal?.aborted)
          throw new pRetry.AbortError(asError(error));
        throw error;
      }
    },
    {
      retries: policy.retries,
      minTimeout: 0,
      maxTimeout: 0,
      factor: 1,
      randomize: false,
      onFailedAttempt: async (error) => {
        if (error.retriesLeft === 0) return;
        const failure = (error as { original?: unknown }).original ?? error;
        const delay = retryDelay(failure, error.attemptNumber, policy);
        if (policy.now() + delay > policy.deadline) throw failure;
        policy.onRetry?.(failure, error.attemptNumber, delay);
        reportWait(policy.onWait, policy.waitReason ?? 'retry', delay);
        await policy.sleep(delay, policy.signal);
        if (policy.signal?.aborted) throw failure;
      },
    },
  );
}

function asError(error: unknown): Error {
  return error instanceof Error
    ? error
    : Object.assign(new Error(String(error)), { original: error });
}
