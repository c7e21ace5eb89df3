import { STATUS_CODES } from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import { ManagementApiError, TokenRequestError } from './errors';
import type { Redactor } from './redact';
import type { RateLimits } from './types';

/** Transport options shared by every layer. */
export interface HttpOptions {
  /**
   * PEM certificate(s) of a private CA to trust, besides Node's built-in roots (corporate TLS
   * interception, a test tenant).
   */
  ca?: string | Buffer | Array<string | Buffer>;
  /**
   * Per-request timeout in milliseconds.
   * @default 30000
   */
  timeoutMs?: number;
  /** An axios instance to send requests with (tests, proxies). Default: one keep-alive instance. */
  http?: AxiosInstance;
}

/** One keep-alive axios instance; it resolves nothing itself, so every answer reaches the caller. */
export function createHttp(options: HttpOptions): AxiosInstance {
  if (options.http) return options.http;
  const agent = new https.Agent({
    keepAlive: true,
    maxSockets: 8,
    // A secure context, not `ca`: the agent joins `ca` into its connection key on every request.
    ...(options.ca === undefined ? {} : { secureContext: trusting(options.ca) }),
  });
  return axios.create({
    httpsAgent: agent,
    validateStatus: () => true,
    maxRedirects: 0,
    responseType: 'text',
    transformResponse: [(data: unknown) => data],
  });
}

function trusting(ca: NonNullable<HttpOptions['ca']>): tls.SecureContext {
  return tls.createSecureContext({
    ca: [...(Array.isArray(ca) ? ca : [ca]), ...tls.rootCertificates],
  });
}

function header(response: AxiosResponse, name: string): string | undefined {
  const value: unknown = response.headers[name];
  return typeof value === 'string' ? value : Array.isArray(value) ? String(value[0]) : undefined;
}

/** Rate-limit headers as numbers; `NaN` where a header is missing. */
export function parseLimits(response: AxiosResponse): RateLimits {
  const num = (name: string) => {
    const raw = header(response, name);
    return raw === undefined || raw.trim() === '' ? Number.NaN : Number(raw);
  };
  return {
    limit: num('x-ratelimit-limit'),
    remaining: num('x-ratelimit-remaining'),
    reset: num('x-ratelimit-reset'),
  };
}

/** How long a 429 asks us to wait: `Retry-After` (seconds or a date), else until the bucket resets. */
export function retryAfterMs(
  response: AxiosResponse,
  limits: RateLimits,
  now: number,
): number | undefined {
  const raw = header(response, 'retry-after');
  if (raw !== undefined) {
    const seconds = Number(raw);
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
    const date = Date.parse(raw);
    if (Number.isFinite(date)) return Math.max(0, date - now);
  }
  if (Number.isFinite(limits.reset)) return Math.max(0, limits.reset * 1000 - now);
  return undefined;
}

/** Parses a JSON body; `undefined` when it is not JSON. */
export function parseJson(body: unknown): unknown {
  if (typeof body !== 'string') return body;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

/** A short, single-line, secret-free excerpt of a body for error messages. */
export function excerpt(body: unknown, redactor: Redactor): string {
  const text = typeof body === 'string' ? body : (JSON.stringify(body) ?? '');
  const flat = redactor.redact(text).replace(/\s+/g, ' ').trim();
  return flat.length > 120 ? `${flat.slice(0, 120)}...` : flat;
}

type ErrorKind = 'token' | 'logs';

/** Maps a non-2xx answer to a {@link ManagementApiError} (or {@link TokenRequestError}). */
export function responseError(
  kind: ErrorKind,
  response: AxiosResponse,
  redactor: Redactor,
  now: number,
): ManagementApiError {
  const status = response.status;
  const body = parseJson(response.data);
  const fields = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : undefined);
  const limits = parseLimits(response);
  // `error` is a code on /oauth/token ('access_denied') but a reason phrase on /api/v2 ('Bad Request').
  let code = (
    str(fields['errorCode']) ??
    str(fields['error']) ??
    (status >= 500 ? 'server_error' : 'unknown_error')
  )
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (status === 401) code = 'unauthorized';
  if (status === 429) code = 'too_many_requests';
  // Messages as the original's (dropin): the API's own description, unprefixed; a 401 token answer
  // says "Invalid credentials"; a body without one gives the status phrase (superagent's message).
  const described =
    str(fields['error_description']) ?? str(fields['message']) ?? str(fields['error']);
  const shown = excerpt(response.data, redactor);
  const phrase = STATUS_CODES[status] ?? `HTTP ${status}`;
  const message = redactor.redact(
    kind === 'token' && status === 401
      ? `Invalid credentials${described ? `: ${described}` : ''}`
      : (described ?? (shown ? `${phrase}: ${shown}` : phrase)),
  );
  const wait = status === 429 ? retryAfterMs(response, limits, now) : undefined;
  const options = {
    status,
    limits,
    response: { status, text: responseText(response.data, redactor) },
    ...(wait === undefined ? {} : { retryAfterMs: wait }),
  };
  return kind === 'token'
    ? new TokenRequestError(code, message, options)
    : new ManagementApiError(code, message, options);
}

/** Maps a failure without an answer (refused, reset, timed out) to an error carrying the system code. */
export function networkError(
  kind: ErrorKind,
  error: unknown,
  redactor: Redactor,
): ManagementApiError {
  const raw = error as { code?: unknown; message?: unknown };
  const code = typeof raw.code === 'string' && raw.code ? raw.code : 'network_error';
  const text = redactor.redact(typeof raw.message === 'string' ? raw.message : String(error));
  const cause = Object.assign(new Error(text), { code });
  const Ctor = kind === 'token' ? TokenRequestError : ManagementApiError;
  return new Ctor(code, text, { cause });
}

/** The body of a failed answer as the original's `err.response.text`: redacted, at most 10,000 characters. */
function responseText(data: unknown, redactor: Redactor): string {
  const text = redactor.redact(typeof data === 'string' ? data : (JSON.stringify(data) ?? ''));
  return text.length > 10_000 ? text.slice(0, 10_000) : text;
}
