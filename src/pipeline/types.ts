import type { LogsQuery, RequestOptions } from '../auth0/types';
import type { LogEvent, LogsPage, RateLimits, StopReason } from '../types';

/** Why a page source stopped without an error. */
export type PagesStop = Exclude<StopReason, 'failed'>;

/** One page after its checks: what a consumer may ship, and where the cursor stands after it. */
export interface CheckedPage {
  /** Logs past `from`, in `log_id` order, that the filter keeps. */
  logs: LogEvent[];
  /** Rate limits of the answer. */
  limits: RateLimits;
  /** The checkpoint the page was asked from (`null`: the oldest log). */
  from: string | null;
  /** The checkpoint after the page: its last log's id, filtered out or not. */
  checkpoint: string | null;
  /** Logs the API returned. */
  fetched: number;
  /** Logs at or below `from` (a replayed page), dropped. */
  replayed: number;
  /** The id of the first log past `from` on the page, filtered out or not (none: `undefined`). */
  first?: string;
}

/** Running totals of a page source, updated as pages arrive. */
export interface PageCounts {
  requests: number;
  fetched: number;
  replayed: number;
}

/** A page as the client answers it, with the `Link` header when there was one. */
export type AnsweredPage = LogsPage & { link?: string };

/**
 * What a page source needs of a client (`LogsApiClient` fits): one `GET /api/v2/logs` per call,
 * and, when it has one, the tenant's clock (epoch ms) that rate-limit waits are computed against.
 */
export interface LogsSource {
  getLogs(query: LogsQuery, options: RequestOptions): Promise<AnsweredPage>;
  tenantNow?(): number;
}

/** A rate-limit budget several page sources draw from; see `SharedRateLimits`. */
export interface RequestBudget {
  /**
   * Resolves once a request may start (counting it as started), or with why not: `rate_limit`
   * when the bucket would not hold a request before `deadline` (epoch ms) or `wait` is `false`,
   * `aborted` when `signal` aborts while waiting.
   */
  reserve(options: {
    deadline: number;
    wait: boolean;
    signal?: AbortSignal | undefined;
  }): Promise<'rate_limit' | 'aborted' | undefined>;
  /** Records that a reserved request settled, with its answer's rate limits when it succeeded. */
  done(limits?: RateLimits): void;
}
