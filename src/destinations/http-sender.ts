import type { AxiosInstance, AxiosResponse } from 'axios';
import { createHttp } from '../auth0/http';
import type { Redactor } from '../util/redact';
import { isPermanentNetworkCode } from '../util/system-codes';
import { DestinationError, isRetryableStatus } from './errors';
import { retryAfterMs } from './retry-after';

/** One request to a destination. */
export interface PostRequest {
  url: URL;
  headers: Record<string, string>;
  body: string | Buffer;
  timeoutMs: number;
}

/** The sender an HTTP destination holds: the project's axios instance and how to close it. */
export interface Sender {
  post(request: PostRequest): Promise<AxiosResponse<string>>;
  close(): Promise<void>;
}

/**
 * The sender of the HTTP destinations (splunk, datadog, elastic), over the project's HTTP helper
 * (keep-alive, private CA, every status returned to the caller, no redirects). A request that gets
 * no answer rejects with a {@link DestinationError} holding only the system code (a permanent one
 * per `util/system-codes.ts`) and a redacted message: never axios's config, whose headers carry the
 * credential.
 */
export function createSender(
  kind: string,
  options: { http?: AxiosInstance; ca?: string | Buffer | Array<string | Buffer> },
  redactor: Redactor,
): Sender {
  const own = options.http === undefined;
  const http = createHttp({
    ...(options.http === undefined ? {} : { http: options.http }),
    ...(options.ca === undefined ? {} : { ca: options.ca }),
  });
  return {
    async post({ url, headers, body, timeoutMs }) {
      try {
        return await http.post<string>(url.href, body, {
          headers,
          timeout: timeoutMs,
          validateStatus: () => true,
          maxRedirects: 0,
          responseType: 'text',
          transformResponse: [(data: unknown) => data],
          transformRequest: [(data: unknown) => data],
          maxBodyLength: Infinity,
          maxContentLength: 16 * 1024 * 1024,
        });
      } catch (error) {
        throw networkError(kind, url, error, redactor);
      }
    },
    async close() {
      if (!own) return;
      const agent = (http.defaults as { httpsAgent?: { destroy?: () => void } }).httpsAgent;
      agent?.destroy?.();
    },
  };
}

function networkError(kind: string, url: URL, error: unknown, redactor: Redactor) {
  const raw = error as { code?: unknown; message?: unknown; cause?: { code?: unknown } };
  const code =
    (typeof raw.cause?.code === 'string' && raw.cause.code) ||
    (typeof raw.code === 'string' && raw.code) ||
    'network_error';
  const text = redactor.redact(typeof raw.message === 'string' ? raw.message : String(error));
  const what = code === 'ECONNABORTED' || code === 'ETIMEDOUT' ? 'timed out' : 'failed';
  return new DestinationError(
    kind,
    code,
    `${kind}: POST ${url.origin}${url.pathname} ${what} (${code}): ${text}`,
    {
      permanent: isPermanentNetworkCode(code),
      ...(code === 'network_error' ? {} : { systemCode: code }),
    },
  );
}

/** A header of an answer, as one string. */
export function header(response: AxiosResponse, name: string): string | undefined {
  const value: unknown = response.headers[name];
  return typeof value === 'string' ? value : Array.isArray(value) ? String(value[0]) : undefined;
}

/**
 * What an answer asked to wait before the next try, in ms: its `Retry-After` header (see
 * {@link retryAfterMs}), read on the retryable statuses that carry it (429, 503, any 5xx or 408).
 * `undefined` when absent, unreadable, or on another status.
 */
export function retryAfterOf(
  response: AxiosResponse,
  now: () => number = Date.now,
): number | undefined {
  if (!isRetryableStatus(response.status)) return undefined;
  return retryAfterMs(header(response, 'retry-after'), now);
}

/** `{ retryAfterMs }` of an answer, for a `DestinationError`'s options (empty when it asked nothing). */
export function retryAfterOption(response: AxiosResponse): { retryAfterMs?: number } {
  const retryAfterMs = retryAfterOf(response);
  return retryAfterMs === undefined ? {} : { retryAfterMs };
}
