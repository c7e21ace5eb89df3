import type { LogsAnswer, LogsQuery } from '../auth0/types';
import { DEADLINE_CODE, InvalidResponseError, isAbortError, isManagementApiError } from '../errors';
import type { LogFilter } from './filter';
import { compareLogIds, isLogId, logIdOf, LOG_ID_LENGTH, OLDEST_FROM } from '../auth0/log-id';
import { rateLimitWait } from '../auth0/rate-limits';
import { askedWaitMs, withRetry, type RetryPolicy } from './retry';
import { reportWait } from '../util/wait';
import { eitherSignal } from '../util/signals';
import type {
  AnsweredPage,
  CheckedPage,
  LogsSource,
  PageCounts,
  PagesStop,
  RequestBudget,
} from './types';
import type { LogEvent, Logger, LogsPage, RateLimits } from '../types';

/** The warning a run or stream that found the rate-limit bucket empty carries. */
export const RATE_LIMIT_WARNING = 'Auth0 Management API rate limit reached.';

/** Options of {@link logPages}. */
export interface PageSourceOptions {
  /** `tenantNow()`, when the client has it, puts rate-limit waits in the tenant's clock. */
  client: LogsSource;
  /**
   * Checkpoint to continue after; `null` starts at the oldest log the tenant keeps (`from` =
   * `OLDEST_FROM`, an id below every log).
   */
  from: string | null;
  /** Logs per request, 1 to 100; `gen.next(take)` changes it for requests not yet started. */
  take: number;
  /** Which logs to keep; the checkpoint moves past the others too. */
  filter?: LogFilter | undefined;
  /** Retries of a failed request, with the run's clock, deadline and signal. */
  retry: RetryPolicy;
  /** `true` waits for an empty rate-limit bucket while run time remains; `false` stops. */
  waitOnRateLimit: boolean;
  /** Start the next request when a page is yielded, before the consumer asks. */
  prefetch: boolean;
  log: Logger;
  /** Totals to update; read them when the source stops. */
  counts?: PageCounts;
  /**
   * How long until an empty bucket holds one request again, in ms, given the tenant's time.
   * @default {@link rateLimitWait}
   */
  bucketWait?: (limits: RateLimits, tenantNow: number) => number;
  /**
   * Stop before the first log whose id is at or past this one (a backfill slice's bound): that
   * page is cut there, yielded with the checkpoint of its last log below the bound, and the source
   * returns `caught_up`. Compared as ids (see `compareLogIds`). Read anew before every request
   * and page, so a getter may move it down while the source runs (a backfill steal), never below
   * an id an answer already held.
   */
  until?: string | undefined;
  /**
   * A rate-limit budget shared with other page sources (backfill cursors): asked before every
   * request instead of this source's own last answer, and told every answer's limits.
   */
  budget?: RequestBudget | undefined;
}

function invalidPage(from: string | null, message: string, limits: RateLimits) {
  return new InvalidResponseError(
    'invalid_page',
    `GET /api/v2/logs from ${from ?? '(the oldest log)'} answered a page that ${message}; the checkpoint stays at ${from ?? '(none)'}`,
    { limits },
  );
}

/**
 * Checks a page before the cursor moves: every log has a 56-digit `log_id` (or `_id`), ids
 * strictly increase, and the page moves past `from`. Logs at or below `from` (a replayed page) are
 * a prefix, dropped and counted. Throws an {@link InvalidResponseError} naming the id and position.
 */
export function checkPage(
  page: LogsPage,
  from: string | null,
): { fresh: LogEvent[]; replayed: number; last: string | null } {
  const raw = page.logs;
  let previous: string | undefined;
  let replayed = 0;
  for (let i = 0; i < raw.length; i++) {
    const log = raw[i] as LogEvent;
    const id: unknown = log.log_id ?? log._id;
    const where = `log ${i + 1} of ${raw.length}`;
    if (id === undefined || id === null)
      throw invalidPage(from, `has no log_id or _id at ${where}`, page.limits);
    if (!isLogId(id)) {
      const shown = JSON.stringify(id)?.slice(0, 80) ?? String(id);
      throw invalidPage(
        from,
        `has a log_id that is not ${LOG_ID_LENGTH} digits at ${where}: ${shown}`,
        page.limits,
      );
    }
    if (previous !== undefined && compareLogIds(id, previous) <= 0)
      throw invalidPage(
        from,
        `is out of order at ${where}: log_id ${id} does not come after ${previous}`,
        page.limits,
      );
    previous = id;
    if (from !== null && compareLogIds(id, from) <= 0) replayed++;
  }
  if (raw.length > 0 && replayed === raw.length)
    throw invalidPage(
      from,
      `does not move the cursor: all ${raw.length} logs are at or below it (last log_id ${previous as string})`,
      page.limits,
    );
  return { fresh: replayed ? raw.slice(replayed) : raw, replayed, last: previous ?? from };
}

/**
 * The `from` of a `Link: <...>; rel="next"` header (a 56-digit id), or why there is none: no
 * `rel="next"`, a malformed URL, a `from` that is not a log id. Says nothing of whether it may be
 * followed; see {@link linkedFrom}.
 */
export function linkNextFrom(link: string | undefined): { from?: string; ignored?: string } {
  if (!link) return {};
  const next = link
    .split(',')
    .map((part) => /^\s*<([^>]*)>\s*;(.*)$/.exec(part))
    .find((m) => m && /(?:^|;)\s*rel="?next"?\s*(?:;|$)/i.test(m[2] as string));
  if (!next) return { ignored: `no rel="next" in ${JSON.stringify(link.slice(0, 200))}` };
  let from: string | null;
  try {
    from = new URL(next[1] as string, 'https://tenant.invalid').searchParams.get('from');
  } catch {
    return { ignored: `malformed URL ${JSON.stringify(next[1]?.slice(0, 200))}` };
  }
  if (!isLogId(from)) return { ignored: `its from is not a log id: ${JSON.stringify(from)}` };
  return { from };
}

/**
 * The `from` of a `Link: <...>; rel="next"` header when it may be followed: a 56-digit id equal to
 * `last` (the page's last id), as Auth0 sends it. Otherwise `undefined`, with the reason: one below
 * would repeat logs, one above would skip the logs in between.
 */
export function linkedFrom(
  link: string | undefined,
  last: string | null,
): { from?: string; ignored?: string } {
  const parsed = linkNextFrom(link);
  if (parsed.from === undefined || last === null) return parsed;
  const order = compareLogIds(parsed.from, last);
  if (order < 0)
    return { ignored: `its from ${parsed.from} is below the page's last log_id ${last}` };
  if (order > 0)
    return {
      ignored: `its from ${parsed.from} is past the page's last log_id ${last} (it would skip logs)`,
    };
  return parsed;
}

type Fetched = { stop: PagesStop } | { page: AnsweredPage; from: string | null };

/** A request started ahead of the consumer. */
interface Ahead {
  from: string | null;
  pending: Promise<Fetched>;
  cancel: () => void;
}

/**
 * The one cursor over a tenant's logs: yields checked pages (see {@link checkPage}) and returns why
 * it stopped (`caught_up` on an empty page, `max_run_time`, `rate_limit`, `aborted`). Follows
 * Auth0's `Link: <...>; rel="next"` when it is safe (see {@link linkedFrom}). Throws the request's
 * error once retries are spent, or an `InvalidResponseError` for a page that fails its checks; the
 * cursor never moves past a page that was not yielded.
 */
export async function* logPages(
  o: PageSourceOptions,
): AsyncGenerator<CheckedPage, PagesStop, number | undefined> {
  const { retry, log } = o;
  const counts = o.counts ?? { requests: 0, fetched: 0, replayed: 0 };
  const bucketWait = o.bucketWait ?? rateLimitWait;
  let take = o.take;
  let cursor = o.from;
  let limits: RateLimits | undefined;
  let responseMs = 0;

  const capacity = async (signal: AbortSignal | undefined): Promise<PagesStop | undefined> => {
    if (signal?.aborted) return 'aborted';
    const now = retry.now();
    const average = counts.requests ? responseMs / counts.requests : 0;
    if (now >= retry.deadline || retry.deadline - now < average) {
      log.debug(
        `No run time left for another request (average response ${Math.round(average)} ms)`,
      );
      return 'max_run_time';
    }
    if (o.budget)
      return o.budget.reserve({
        deadline: retry.deadline - average,
        wait: o.waitOnRateLimit,
        signal,
      });
    if (!limits || !(limits.remaining < 1)) return undefined;
    const wait = bucketWait(limits, o.client.tenantNow ? o.client.tenantNow() : now);
    if (!o.waitOnRateLimit || now + wait + average > retry.deadline) return 'rate_limit';
    log.debug(`Rate limit bucket is empty; waiting ${wait} ms`);
    reportWait(retry.onWait, 'rate_limit', wait);
    await retry.sleep(wait, signal);
    return signal?.aborted ? 'aborted' : undefined;
  };

  // The request started ahead of the consumer: from the previous page's `Link` as soon as its
  // answer was in (before the parse), or from its checkpoint once it was checked.
  let ahead: Ahead | undefined;
  let ended = false;
  // once a Link disagreed with its checked page, this source no longer starts requests from Link
  // before the check (each would be a request wasted against the rate limit)
  let distrusted = false;

  /**
   * Starts the next request from `Link` when the answer to the request from `from` is in, before its
   * body is parsed: only with prefetch, when nothing is ahead yet, the body is not `[]`,
   * and the link moves past `from` (and stays below `until`). The loop keeps it only when the checked
   * page agrees on the checkpoint; otherwise it is cancelled.
   */
  const speculate = (from: string | null, answer: LogsAnswer, own: AbortSignal | undefined) => {
    // a cancelled request's late answer, or one after the source ended, starts nothing
    if (!o.prefetch || ahead || ended || distrusted || own?.aborted || answer.empty) return;
    const next = linkNextFrom(answer.link).from;
    if (next === undefined || (from !== null && compareLogIds(next, from) <= 0)) return;
    if (o.until !== undefined && compareLogIds(next, o.until) >= 0) return;
    limits = answer.limits;
    ahead = begin(next);
    // the answer's parse and the consumer wait one turn of the event loop: the request leaves first
    return new Promise<void>((resolve) => setImmediate(resolve));
  };

  const fetchPage = async (from: string | null, own?: AbortSignal): Promise<Fetched> => {
    const policy = own ? { ...retry, signal: own } : retry;
    const stop = await capacity(policy.signal);
    if (stop) return { stop };
    // Checkpoint mode always, in `log_id` order: without a checkpoint from an id below every log
    // (never a search sorted by date, which a late-written log puts out of id order). The
    // original's parameters, in its order (a mock written for it matches); `q` and `sort` are
    // ignored by Auth0 with `from`.
    const query: LogsQuery = { take, from: from ?? OLDEST_FROM, q: '', sort: 'date:1' };
    log.debug(
      from
        ? `Requesting ${take} logs from checkpoint ${from}`
        : `Requesting the ${take} oldest logs (from ${OLDEST_FROM})`,
    );
    // the reservation ends when the answer is in: before a request started from its Link reserves
    let released = false;
    const release = (answered?: RateLimits) => {
      if (released) return;
      released = true;
      o.budget?.done(answered);
    };
    const onAnswer = o.prefetch
      ? once((answer: LogsAnswer) => {
          release(answer.limits);
          return speculate(from, answer, own);
        })
      : undefined;
    try {
      const page = await withRetry(async () => {
        const started = retry.now();
        const answer = (await o.client.getLogs(query, {
          deadline: retry.deadline,
          ...(policy.signal ? { signal: policy.signal } : {}),
          ...(onAnswer ? { onAnswer } : {}),
        })) as AnsweredPage;
        counts.requests += 1;
        responseMs += retry.now() - started;
        return answer;
      }, policy);
      limits = page.limits;
      release(page.limits);
      return { page, from };
    } catch (error) {
      if (isAbortError(error) || policy.signal?.aborted) return { stop: 'aborted' };
      // The client cut the request (or its wait for the token) at the run's deadline: the run-time
      // limit at work, not a failure.
      if (isManagementApiError(error) && error.code === DEADLINE_CODE)
        return { stop: 'max_run_time' };
      // A 429 whose Retry-After (or X-RateLimit-Reset) ends after the run's deadline: the rate
      // limit stops this run (it resumes from the checkpoint), as an empty bucket does above.
      if (isManagementApiError(error) && error.status === 429) {
        const asked = askedWaitMs(error);
        if (asked !== undefined && retry.now() + asked > retry.deadline) {
          log.debug(`Rate limited for ${asked} ms, past the run's deadline`);
          return { stop: 'rate_limit' };
        }
      }
      throw error;
    } finally {
      release();
    }
  };

  /** A request started before the consumer asked, which the loop may still cancel. */
  const begin = (from: string | null): Ahead => {
    const cancel = new AbortController();
    const signal = retry.signal ? eitherSignal(retry.signal, cancel.signal) : cancel.signal;
    const pending = fetchPage(from, signal);
    pending.catch(() => undefined);
    return { from, pending, cancel: () => cancel.abort() };
  };

  try {
    for (;;) {
      const current = ahead;
      ahead = undefined; // an answer may start the next one (`speculate`) while this one is awaited
      const fetched = await (current ? current.pending : fetchPage(cursor));
      if ('stop' in fetched) return fetched.stop;
      const { page, from } = fetched;
      if (page.logs.length === 0) return 'caught_up';
      const { fresh, replayed, last } = checkPage(page, from);
      counts.fetched += page.logs.length;
      counts.replayed += replayed;
      if (replayed) log.debug(`Dropped ${replayed} replayed logs at or below ${from as string}`);
      const first = fresh.length ? logIdOf(fresh[0] as LogEvent) : undefined;
      const cut = o.until === undefined ? -1 : bounded(fresh, o.until);
      if (cut !== -1) {
        const kept = fresh.slice(0, cut);
        const checkpoint = cut > 0 ? (logIdOf(fresh[cut - 1] as LogEvent) as string) : from;
        if (checkpoint !== from) {
          const filter = o.filter;
          yield {
            logs: filter ? kept.filter((entry) => filter.keeps(entry)) : kept,
            limits: page.limits,
            from,
            checkpoint,
            fetched: page.logs.length,
            replayed,
            ...(first === undefined ? {} : { first }),
          };
        }
        return 'caught_up';
      }
      const link = linkedFrom(page.link, last);
      if (link.ignored)
        log.debug(`Ignoring the Link header (${link.ignored}); paging from ${last as string}`);
      cursor = link.from ?? last;
      // `ahead` may have been set by `speculate` while the page was awaited
      const started = ahead as Ahead | undefined;
      if (started && started.from !== cursor) {
        log.debug(
          `Cancelling the request started from Link (${started.from}); paging from ${cursor}`,
        );
        started.cancel();
        ahead = undefined;
        distrusted = true;
      }
      if (o.prefetch) ahead ??= begin(cursor);
      const filter = o.filter;
      const asked = yield {
        logs: filter ? fresh.filter((entry) => filter.keeps(entry)) : fresh,
        limits: page.limits,
        from,
        checkpoint: last,
        fetched: page.logs.length,
        replayed,
        ...(first === undefined ? {} : { first }),
      };
      if (typeof asked === 'number') take = asked;
    }
  } finally {
    ended = true;
    ahead?.cancel(); // the consumer stopped, or a page failed its checks: nothing waits for it
  }
}

/** `fn` that acts on its first call only (an answer retried after a bad body speculates once). */
function once<T, R>(fn: (value: T) => R): (value: T) => R | undefined {
  let called = false;
  return (value) => {
    if (called) return undefined;
    called = true;
    return fn(value);
  };
}

/** Index of the first log whose id is at or past `until`; -1 when none is. */
function bounded(logs: LogEvent[], until: string): number {
  const last = logs[logs.length - 1];
  if (!last || compareLogIds(logIdOf(last) as string, until) < 0) return -1;
  return logs.findIndex((log) => compareLogIds(logIdOf(log) as string, until) >= 0);
}
