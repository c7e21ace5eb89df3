import type { RateLimits } from '../types';

/** Query of `GET /api/v2/logs`: `from`/`take`, or `q`/`page`/`per_page`/`sort`/`fields`... */
export type LogsQuery = Record<string, string | number | boolean | undefined | null>;

/** Per-call options of `LogsApiClient.getLogs` and `findCheckpointAt`. */
export interface RequestOptions {
  /** Cancels the request; the promise rejects with an `AbortError`. */
  signal?: AbortSignal;
  /**
   * Epoch ms (the client's `now`) by which the call must end: each request gets what is left of it
   * when that is less than `timeoutMs`, and none starts once it has passed (code `ETIMEDOUT`).
   */
  deadline?: number;
  /**
   * Called by `getLogs` once a 2xx answer is in and before its body is parsed, with the answer's
   * raw `Link` header (Auth0's `<...>; rel="next"`), its rate limits, and whether the body is an
   * empty array: a page source starts its next request from `Link` at once instead of after the
   * parse and its checks. When it returns a promise, the body is parsed once that settles (the
   * page source lets its request leave first). Not called for failed answers; what it throws or
   * rejects with is ignored.
   */
  onAnswer?: (answer: LogsAnswer) => void | PromiseLike<unknown>;
}

/** What {@link RequestOptions.onAnswer} is told of an answer before its body is parsed. */
export interface LogsAnswer {
  /** The raw `Link` header, when there is one. */
  link?: string;
  limits: RateLimits;
  /** The body is `[]`: there is no page after this one yet. */
  empty: boolean;
}
