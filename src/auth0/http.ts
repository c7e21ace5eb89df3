import { STATUS_CODES } from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import { ManagementApiError, TokenRequestError } from '../errors';
import type { Redactor } from '../util/redact';
import { isPermanentNetworkCode } from '../util/system-codes';
import { askedWait, parseLimits, type HeaderGetter } from './rate-limits';
import type { RateLimits } from '../types';

/** Transport options shared by every layer. */
export interface HttpOptions {
  /**
   * PEM certificate(s) of a private CA to trust, besides Node's built-in roots (corporate TLS
   * interception, a test tenant).
   */
  ca?: string | Buffer | Array<string | Buffer>;
  /**
   * How long one request may take in all, in milliseconds: connecting, the answer's headers and its
   * whole body (not an idle timeout). An integer from 1 to 2147483647 (the longest timer Node keeps).
   * A request that runs out fails with code `ETIMEDOUT`.
   * @default 30000
   * @example { timeoutMs: 10_000 }
   */
  timeoutMs?: number;
  /**
   * Largest answer body accepted, in bytes; a larger one fails with code `response_too_large` as soon
   * as the limit is passed, instead of growing memory. An integer from 1 to
   * `buffer.constants.MAX_STRING_LENGTH`.
   * @default 67108864 (64 MB)
   */
  maxResponseBytes?: number;
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

/**
 * Secure contexts by the CA text they trust, so that the runs of one process (a `serve` worker, a
 * `--follow` loop) build each once: joining Node's ~140 roots takes about 20 ms of CPU.
 */
const contexts = new Map<string, tls.SecureContext>();
const MAX_CONTEXTS = 16;

function trusting(ca: NonNullable<HttpOptions['ca']>): tls.SecureContext {
  const pems = Array.isArray(ca) ? ca : [ca];
  const key = pems
    .map((pem) => (typeof pem === 'string' ? pem : pem.toString('latin1')))
    .join('\n');
  let context = contexts.get(key);
  if (!context) {
    context = tls.createSecureContext({ ca: [...pems, ...tls.rootCertificates] });
    if (contexts.size >= MAX_CONTEXTS) contexts.delete(contexts.keys().next().value as string);
    contexts.set(key, context);
  }
  return context;
}

/** The headers of an answer as a {@link HeaderGetter} (first value of a repeated header). */
export function headersOf(response: AxiosResponse): HeaderGetter {
  return (name) => {
    const value: unknown = response.headers[name];
    return typeof value === 'string' ? value : Array.isArray(value) ? String(value[0]) : undefined;
  };
}

/** Rate-limit headers of an answer as numbers; `NaN` where a header is missing. */
export function limitsOf(response: AxiosResponse): RateLimits {
  return parseLimits(headersOf(response));
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

/** `error_description` of Auth0's 403 to a token request for an audience the domain does not serve. */
const SERVICE_NOT_ENABLED = /^Service not enabled within domain/i;
/** The code of a token request refused because `domain` is a custom domain (Auth0's 403 above). */
export const CUSTOM_DOMAIN_CODE = 'service_not_enabled_within_domain';
/** The code of an answer that came from an HTTPS proxy refusing the tunnel, not from Auth0. */
export const PROXY_REFUSED_CODE = 'proxy_refused_tunnel';

/**
 * Whether an answer to an `https:` request came from a proxy, not from the tenant: over a tunnel
 * the tenant's answers arrive through TLS, while a proxy that refuses the `CONNECT` answers in
 * plain text, on a socket without TLS (axios tunnels through https-proxy-agent, which hands that
 * answer on as the response: axios lib/adapters/http.js, setProxy).
 */
function proxyAnswered(response: AxiosResponse): boolean {
  const socket = (response.request as { socket?: unknown } | undefined)?.socket;
  return (
    /^https:/i.test(response.config?.url ?? '') &&
    socket instanceof net.Socket &&
    (socket as { encrypted?: unknown }).encrypted !== true
  );
}

/** `host:port` of the request an answer is for, or `the tenant`. */
function hostOf(response: AxiosResponse): string {
  try {
    return new URL(response.config?.url ?? '').host;
  } catch {
    return 'the tenant';
  }
}

/** A short, single-line, secret-free excerpt of a body for error messages. */
export function excerpt(body: unknown, redactor: Redactor): string {
  const text = typeof body === 'string' ? body : (JSON.stringify(body) ?? '');
  const flat = redactor.redact(text).replace(/\s+/g, ' ').trim();
  return flat.length > 120 ? `${flat.slice(0, 120)}...` : flat;
}

type ErrorKind = 'token' | 'logs';

/**
 * Marks an error that no retry can cure: `isPermanentError` (src/errors.ts) sees it, and
 * `isTransient` refuses to retry it.
 */
export function markPermanent<T extends object>(error: T): T & { permanent: true } {
  return Object.assign(error, { permanent: true as const });
}

/**
 * Statuses a retry can cure: 401 on the logs endpoint (the client renews its token), 408 (request
 * timeout), 429 (rate limit) and 5xx. Every other 4xx says the request itself is wrong, and a 401 from
 * `/oauth/token` says the credentials are.
 */
function isPermanentStatus(kind: ErrorKind, status: number): boolean {
  if (status < 400 || status >= 500) return false;
  if (status === 408 || status === 429) return false;
  return !(status === 401 && kind === 'logs');
}

/**
 * Maps a non-2xx answer to a {@link ManagementApiError} (or {@link TokenRequestError}).
 * @param tenantNow the tenant's time when the answer arrived (`TenantClock.now()`), in epoch ms.
 */
export function responseError(
  kind: ErrorKind,
  response: AxiosResponse,
  redactor: Redactor,
  tenantNow: number,
): ManagementApiError {
  const status = response.status;
  const body = parseJson(response.data);
  const fields = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : undefined);
  const limits = limitsOf(response);
  // `error` is a code on /oauth/token ('access_denied') but a reason phrase on /api/v2 ('Bad Request').
  // masked before it is normalised: a secret the answer echoes here would no longer match once
  // lowercased
  let code = redactor
    .redact(
      str(fields['errorCode']) ??
        str(fields['error']) ??
        (status >= 500 ? 'server_error' : 'unknown_error'),
    )
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (status === 401) code = 'unauthorized';
  if (status === 429) code = 'too_many_requests';
  // Messages as the original's: the API's own description, unprefixed; a 401 token answer says
  // "Invalid credentials"; a body without one gives the status phrase (superagent's message).
  const described =
    str(fields['error_description']) ?? str(fields['message']) ?? str(fields['error']);
  const shown = excerpt(response.data, redactor);
  const phrase = STATUS_CODES[status] ?? `HTTP ${status}`;
  const proxy = proxyAnswered(response);
  // Auth0's answer to a token request sent to a custom domain: its Management API audience
  // (https://<custom domain>/api/v2/) exists only on the tenant's own domain
  if (kind === 'token' && status === 403 && described && SERVICE_NOT_ENABLED.test(described))
    code = CUSTOM_DOMAIN_CODE;
  if (proxy) code = PROXY_REFUSED_CODE;
  const message = redactor.redact(
    proxy
      ? `The proxy refused the tunnel to ${hostOf(response)} (it answered the CONNECT with ${status} ${phrase}); Auth0 was not reached`
      : kind === 'token' && status === 401
        ? `Invalid credentials${described ? `: ${described}` : ''}`
        : (described ?? (shown ? `${phrase}: ${shown}` : phrase)),
  );
  const wait =
    status === 429 ? askedWait(headersOf(response)('retry-after'), limits, tenantNow) : undefined;
  const options = {
    status,
    limits,
    response: { status, text: responseText(response.data, redactor) },
    ...(wait === undefined ? {} : { retryAfterMs: wait }),
  };
  const error =
    kind === 'token'
      ? new TokenRequestError(code, message, options)
      : new ManagementApiError(code, message, options);
  return isPermanentStatus(kind, status) ? markPermanent(error) : error;
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
  const mapped = new Ctor(code, text, { cause });
  return isPermanentNetworkCode(code) || /wrong version number/i.test(text)
    ? markPermanent(mapped)
    : mapped;
}

/** The body of a failed answer as the original's `err.response.text`: redacted, at most 10,000 characters. */
function responseText(data: unknown, redactor: Redactor): string {
  const text = redactor.redact(typeof data === 'string' ? data : (JSON.stringify(data) ?? ''));
  return text.length > 10_000 ? text.slice(0, 10_000) : text;
}
