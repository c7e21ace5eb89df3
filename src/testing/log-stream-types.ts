import type { LogEvent } from '../types';

/**
 * A custom webhook stream's Content Format, as the Management API names it (`httpContentFormat`:
 * https://auth0.github.io/node-auth0/variables/management.Management.LogStreamHttpContentFormatEnum.html).
 * Each element is `{ "log_id": "<56 digits>", "data": { ...the log, its own log_id included } }`
 * (Auth0's stream payload, as Elastic's Auth0 integration tests it:
 * https://github.com/elastic/integrations/tree/main/packages/auth0/data_stream/logs/_dev/test/pipeline):
 * - `JSONLINES`: the elements, one JSON text a line, joined by `\n` (no trailing newline);
 * - `JSONARRAY`: one JSON array of the elements;
 * - `JSONOBJECT`: one element as the whole body, so one log a delivery. Auth0's page says only
 *   "Receive data in JSON lines, arrays, or objects"
 *   (https://auth0.com/docs/customize/log-streams/custom-log-streams): a receiver should accept
 *   a lone object.
 */
export type LogStreamFormat = 'JSONLINES' | 'JSONARRAY' | 'JSONOBJECT';

/** One element of a stream delivery: the log's id and the log itself. */
export interface LogStreamElement {
  log_id: string;
  data: LogEvent;
}

/**
 * What {@link playLogStream} reads logs from: a running fake tenant (`startFakeTenant`), or any
 * object with these three methods. The logs from `firstKeptIndex()` to `logCount() - 1` are played.
 */
export interface LogStreamSource {
  logCount(): number;
  firstKeptIndex(): number;
  logAt(index: number): LogEvent;
}

/** A window in which the stream sends nothing (a stream Auth0 paused, then resumed). */
export interface LogStreamPause {
  /** The pause starts once this many deliveries were sent (and answered). */
  afterDeliveries: number;
  /**
   * How long, in ms (through `sleep`). Logs the source writes meanwhile are never sent, as Auth0
   * does not send what was written while a stream was paused ("logs ... sent while the stream was
   * paused are simply missing"; the only replay is to recreate the stream from a date:
   * https://auth0.com/docs/customize/log-streams). They are reported in `missedWhilePaused`.
   */
  ms: number;
}

/** One HTTP request the player made (see {@link LogStreamOptions.onAttempt}). */
export interface LogStreamAttempt {
  /** The delivery's number, from 1 in the order the deliveries were planned. */
  delivery: number;
  /** 1 to `attempts`. */
  attempt: number;
  /** The `log_id` of each element of the body, in body order (a duplicate appears again later). */
  logIds: readonly string[];
  /** The receiver's HTTP status; absent when there was no answer (see `error`). */
  status?: number;
  /** Why there was no answer: a system code (`ECONNREFUSED`, `ECONNRESET`...) or `'timeout'`. */
  error?: string;
}

/** Options of {@link playLogStream}. Only `url` is required. */
export interface LogStreamOptions {
  /** The stream's Payload URL (`http:` or `https:`). Auth0 requires https with a valid certificate; `ca` trusts a test one. */
  url: string;
  /**
   * The stream's Authorization Token: sent verbatim as the `Authorization` header (Auth0 adds no
   * scheme: "The value in the Authorization header of the request",
   * https://auth0.com/docs/customize/log-streams/custom-log-streams). Never appears in errors or
   * in the report. @default none (no header)
   * @example 'Bearer 3f6c...'
   */
  authorization?: string;
  /** Custom headers (a stream's `httpCustomHeaders`), sent with each request. Not `authorization`, `content-type` or `content-length`. @default {} */
  headers?: Readonly<Record<string, string>>;
  /** @default 'JSONLINES' */
  format?: LogStreamFormat;
  /** The stream's Content Type, sent as `Content-Type` whatever the format (Auth0's examples use `application/json` with `JSONLINES`: https://auth0.github.io/auth0-cli/auth0_logs_streams_create_http.html). @default 'application/json' */
  contentType?: string;
  /** Logs a delivery holds, 1 to 1000 (`JSONOBJECT`: always 1). Auth0 does not document its own. @default 100 */
  logsPerDelivery?: number;
  /** Deliveries in flight at once, 1 to 64. @default 1 */
  concurrency?: number;
  /** Share (0..1) of the logs sent a second time, in a later delivery ("at least once"). @default 0 */
  duplicateShare?: number;
  /** Share (0..1) of the logs never sent (Auth0 gave up on them). @default 0 */
  dropShare?: number;
  /** Send the logs in a random order ("order not guaranteed"), duplicates included. @default false */
  shuffle?: boolean;
  /** Seed of every random choice (drops, duplicates, order): the same seed plays the same stream. @default 1 */
  seed?: number;
  /**
   * Attempts per delivery, 1 to 10: any answer but a 2xx, or none, is retried after a wait, then
   * the delivery's logs are given up ("We attempt to deliver the log to your server up to three
   * times": https://auth0.com/docs/customize/log-streams). @default 3
   */
  attempts?: number;
  /** Wait before the second attempt, in ms, doubled before each next one (Auth0 does not document its own). @default 1000 */
  retryDelayMs?: number;
  /**
   * Rounds in which the deliveries given up are sent again (each with up to `attempts` attempts),
   * after those planned with them, `redeliveryDelayMs` apart, as Auth0 does: "We restart this
   * process for any errored log until the problem is resolved"
   * (https://auth0.com/docs/customize/log-streams). 0 to 100. @default 0
   */
  redeliveries?: number;
  /** Wait before each redelivery round, in ms. @default 60000 */
  redeliveryDelayMs?: number;
  /** Consecutive deliveries given up after which the stream pauses for good (Auth0 pauses a stream after 7 days of failures). @default Infinity */
  pauseAfterFailures?: number;
  /** Windows in which nothing is sent; see {@link LogStreamPause}. @default [] */
  pauses?: readonly LogStreamPause[];
  /** Time a request may take, in ms, before it is abandoned (an attempt with `error: 'timeout'`). @default 10000 */
  timeoutMs?: number;
  /** PEM CA(s) to trust for an `https:` URL (a test certificate). @default Node's CAs */
  ca?: string | Buffer | readonly (string | Buffer)[];
  /**
   * Keep going: once every log of the source was sent, wait `pollMs` and send the logs it wrote
   * since, until `signal` aborts (then the deliveries in flight finish and the report is
   * returned). A list source has nothing more to send. @default false
   */
  follow?: boolean;
  /** Wait between two looks at the source when following, in ms. @default 1000 */
  pollMs?: number;
  /** Stops the stream: no new delivery starts; those in flight finish. @default none */
  signal?: AbortSignal;
  /** Waits `ms` (retry delays, pauses, polls): inject simulated time in tests. @default timers */
  sleep?: (ms: number) => Promise<void>;
  /** Called after each HTTP request with what it sent and got. @default none */
  onAttempt?: (attempt: LogStreamAttempt) => void;
}

/** What {@link playLogStream} did. Ids are `log_id`s; each list holds an id once. */
export interface LogStreamReport {
  /** Logs in a delivery the receiver answered with a 2xx (at least once), in the order acknowledged. */
  delivered: string[];
  /** Logs never sent on purpose (`dropShare`). */
  dropped: string[];
  /** Logs sent twice on purpose (`duplicateShare`). */
  duplicated: string[];
  /** Logs in a delivery that got no 2xx in `attempts` attempts, redeliveries included (and never one in another delivery). */
  gaveUp: string[];
  /** Logs written during a pause, never sent. */
  missedWhilePaused: string[];
  /** Logs not sent because the stream stopped (`signal`) or paused for good (`pauseAfterFailures`). */
  notSent: string[];
  /** Deliveries sent (each counted once, whatever its attempts and redeliveries). */
  deliveries: number;
  /** HTTP requests made (attempts). */
  requests: number;
  /** Answers by HTTP status, e.g. `{ 200: 10, 503: 2 }`. */
  answers: Record<number, number>;
  /** Requests without an answer, by reason (`ECONNREFUSED`, `'timeout'`...). */
  failures: Record<string, number>;
  /** Why the stream ended: every log sent, `signal` aborted, or paused for good after failures. */
  stoppedBy: 'end' | 'signal' | 'paused';
}
