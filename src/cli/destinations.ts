import { errorMessage } from '../errors';
import { systemCode } from './ship/advice';
import { Redactor } from '../util/redact';
import type { LogEvent } from '../types';
import { type OutputStream, writeAsync } from './io';

export { fileDestination, type FileDestination } from './file-destination';

/** Where `ship` sends the logs. A batch is acknowledged once `send` resolves. */
export interface Destination {
  /** For messages: `stdout`, the file path, or the URL without credentials and query. */
  readonly label: string;
  /** Whether the logs go to stdout (then messages for humans go to stderr). */
  readonly usesStdout: boolean;
  send(logs: LogEvent[]): Promise<void>;
  close(): Promise<void>;
  /** Set once the reader closed the stream (EPIPE): nothing more can be delivered. */
  readonly closedByReader?: boolean;
}

/**
 * A failure retrying cannot fix (`permanent: true`, see `isPermanentError`): the processor does
 * not retry it and `ship --follow` stops on it. `status` is the destination's HTTP status.
 */
export class PermanentDeliveryError extends Error {
  override name = 'PermanentDeliveryError';
  readonly permanent = true;
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** The reader of stdout went away (`ship | head`): stop, without retrying. */
export class OutputClosedError extends PermanentDeliveryError {
  override name = 'OutputClosedError';
  readonly code = 'EPIPE';
}

/** An HTTP endpoint that takes each batch as a JSON array. */
export interface PostTarget {
  url: URL;
  headers: Record<string, string>;
  /** @default 30000 */
  timeoutMs?: number;
  /** Where the credentials came from: `url` (user:password@ in --post), for a 401's advice. */
  credentialsIn?: 'url' | 'header';
}

function ndjson(logs: LogEvent[]): string {
  return logs.map((log) => `${JSON.stringify(log)}\n`).join('');
}

const CLOSED_CODES = new Set(['EPIPE', 'ERR_STREAM_DESTROYED', 'ERR_STREAM_WRITE_AFTER_END']);

/**
 * NDJSON on a stream (stdout); acknowledged once the stream has taken the lines. When the reader
 * closed it (EPIPE), `send` rejects with an {@link OutputClosedError} and `onClosed` is called once
 * (the CLI stops the run there).
 */
export function streamDestination(stream: OutputStream, onClosed?: () => void): Destination {
  let closed = false;
  return {
    label: 'stdout',
    usesStdout: true,
    get closedByReader() {
      return closed;
    },
    async send(logs) {
      if (closed) throw new OutputClosedError('stdout was closed by its reader');
      if (!logs.length) return;
      try {
        await writeAsync(stream, ndjson(logs));
      } catch (error) {
        if (!CLOSED_CODES.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
        closed = true;
        onClosed?.();
        throw new OutputClosedError('stdout was closed by its reader');
      }
    },
    close: () => Promise.resolve(),
  };
}

/** Whether fetch refused the URL's port as one of the Fetch standard's blocked ports. */
function badPort(error: unknown): boolean {
  const cause = (error as { cause?: { message?: unknown } } | null)?.cause;
  return cause?.message === 'bad port';
}

/** Network failures waiting cannot fix: an unknown host, a certificate that does not verify. */
const PERMANENT_NETWORK_CODE =
  /^(ENOTFOUND|CERT_|ERR_TLS_CERT|DEPTH_ZERO_SELF_SIGNED|SELF_SIGNED|UNABLE_TO_(GET|VERIFY))/;

/** What to do about a destination's 4xx (408 and 429 are retried, so not here). */
function advice(status: number, target: PostTarget): string {
  if (status === 413) return 'the batch is too large for it: lower --batch-size';
  if (status === 401 || status === 403)
    return target.credentialsIn === 'url'
      ? 'check the user:password in the --post URL'
      : target.credentialsIn === 'header'
        ? 'check the credentials in --header or --header-file'
        : 'it wants credentials: pass them with --header or user:password@ in the --post URL';
  if (status === 404 || status === 405) return 'check the --post URL';
  return 'it refuses the batch; retrying cannot help';
}

/**
 * Each batch `POST`ed as a JSON array; any 2xx answer acknowledges it. A 4xx other than 408 and 429
 * is a {@link PermanentDeliveryError} (not retried); 408, 429, 5xx and network failures are
 * retried. Error messages quote at most 200 characters of the answer, every header value (and
 * `redactor`'s secrets) masked, so what the destination echoes never reaches the history or logs.
 */
export function postDestination(target: PostTarget, redactor = new Redactor()): Destination {
  for (const value of Object.values(target.headers)) redactor.add(value);
  const label = `${target.url.origin}${target.url.pathname}`;
  return {
    label,
    usesStdout: false,
    async send(logs) {
      let response: Response;
      try {
        response = await fetch(target.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...target.headers },
          body: JSON.stringify(logs),
          redirect: 'manual',
          signal: AbortSignal.timeout(target.timeoutMs ?? 30_000),
        });
      } catch (error) {
        // the system code (ECONNREFUSED, ENOTFOUND, CERT_HAS_EXPIRED) is deep in fetch's causes
        const code = systemCode(error);
        if (code === undefined && badPort(error)) {
          // fetch never connects to the Fetch standard's blocked ports (1, 22, 25, ...)
          throw new PermanentDeliveryError(
            `POST ${label} failed: fetch refuses port ${target.url.port} (a "bad port" of the Fetch standard); use another port`,
          );
        }
        throw Object.assign(
          new Error(redactor.redact(`POST ${label} failed: ${code ?? errorMessage(error)}`), {
            cause: error,
          }),
          code === undefined ? {} : { code },
          code !== undefined && PERMANENT_NETWORK_CODE.test(code) ? { permanent: true } : {},
        );
      }
      const body = await response.text().catch(() => '');
      if (response.ok) return;
      const status = response.status;
      const excerpt = body.replace(/\s+/g, ' ').trim().slice(0, 200);
      const answer = `${status} ${response.statusText}`.trim() + (excerpt ? `: ${excerpt}` : '');
      if (status >= 400 && status < 500 && status !== 408 && status !== 429) {
        throw new PermanentDeliveryError(
          redactor.redact(`POST ${label} answered ${answer} (${advice(status, target)})`),
          status,
        );
      }
      throw Object.assign(new Error(redactor.redact(`POST ${label} answered ${answer}`)), {
        status,
      });
    },
    close: () => Promise.resolve(),
  };
}
