import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { LogGenerator } from './log-generator';
import { parseQuery, QueryError, searchLogs } from './log-search';
import type { RateLimitDecision, TokenBucket } from './rate-limiter';
import type { FakeTenantStats, LogsQuirks } from './types';

/** What the server answers: a status, a body (string as is, object as JSON) and headers. */
export interface Reply {
  status: number;
  body?: string | object;
  headers: Record<string, string>;
  /** Logs in the body, added to `stats.logsServed` once the answer is sent. @default 0 */
  served?: number;
}

/** The mutable state both endpoints work on. */
export interface TenantState {
  generator: LogGenerator;
  bucket: TokenBucket;
  tokens: TokenStore;
  stats: FakeTenantStats;
  clientId: string;
  clientSecret: string;
  tokenTtlSeconds: number;
  failRate: number;
  random: () => number;
  now: () => number;
  /** Ways to misbehave; see {@link LogsQuirks}. */
  quirks?: LogsQuirks | undefined;
}

const SEQUENCE_DIGITS = 36;

/** The id the tenant serves for log `index`, after its quirks. */
function servedId(state: TenantState, index: number): string {
  if (!state.quirks?.opaqueIds) return state.generator.idAt(index);
  return `900${'0'.repeat(17)}${String(index).padStart(SEQUENCE_DIGITS, '0')}`;
}

/** Log `index` as the tenant serves it, after its quirks. */
function servedLog(state: TenantState, index: number): object {
  const log = state.generator.at(index);
  if (!state.quirks?.opaqueIds) return log;
  const id = servedId(state, index);
  return { ...log, log_id: id, _id: id };
}

/** Index of the first log whose served id is greater than `from`. */
function servedIndexAfter(state: TenantState, from: string): number {
  if (!state.quirks?.opaqueIds) return state.generator.indexAfter(from);
  let low = 0;
  let high = state.generator.count;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (servedId(state, mid) > from) high = mid;
    else low = mid + 1;
  }
  return low;
}

/** Where a misbehaving tenant starts a page for a synthesised `from`, or its error status. */
function quirkStart(state: TenantState, from: string, start: number): number | { status: number } {
  const q = state.quirks;
  if (!q || (start > 0 && servedId(state, start - 1) === from)) return start;
  q.seen = (q.seen ?? 0) + 1;
  if (q.seen < (q.fromRequest ?? 1)) return start;
  if (q.synthesisedFromStatus !== undefined) return { status: q.synthesisedFromStatus };
  if (q.ignoreSynthesisedFrom) return state.generator.first;
  return Math.max(state.generator.first, start - (q.synthesisedFromShift ?? 0));
}

/** Issued access tokens and their expiry (epoch ms). */
export class TokenStore {
  readonly #expiry = new Map<string, number>();
  #pruneAt = 1000;
  constructor(readonly now: () => number) {}

  issue(ttlSeconds: number): string {
    if (this.#expiry.size >= this.#pruneAt) {
      this.#prune();
      this.#pruneAt = Math.max(1000, this.#expiry.size * 2);
    }
    const token = randomBytes(48).toString('base64url');
    this.#expiry.set(token, this.now() + ttlSeconds * 1000);
    return token;
  }

  check(token: string | undefined): 'valid' | 'expired' | 'unknown' {
    const expiresAt = token === undefined ? undefined : this.#expiry.get(token);
    if (expiresAt === undefined) return 'unknown';
    return expiresAt > this.now() ? 'valid' : 'expired';
  }

  expireAll(): void {
    const now = this.now();
    for (const token of this.#expiry.keys()) this.#expiry.set(token, now);
  }

  #prune(): void {
    const cutoff = this.now() - 3600_000;
    for (const [token, expiresAt] of this.#expiry)
      if (expiresAt < cutoff) this.#expiry.delete(token);
  }
}

/** The `x-ratelimit-*` headers (and `Retry-After` when refused) of a decision. */
export function rateLimitHeaders(decision: RateLimitDecision): Record<string, string> {
  const headers: Record<string, string> = {
    'x-ratelimit-limit': String(decision.limit),
    'x-ratelimit-remaining': String(decision.remaining),
    'x-ratelimit-reset': String(decision.reset),
  };
  if (!decision.allowed) headers['retry-after'] = String(decision.retryAfter);
  return headers;
}

function sameSecret(given: unknown, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function parseForm(body: string, contentType: string): Record<string, unknown> | undefined {
  if (contentType.includes('application/x-www-form-urlencoded')) {
    return Object.fromEntries(new URLSearchParams(body));
  }
  try {
    const parsed: unknown = JSON.parse(body);
    return typeof parsed === 'object' && parsed !== null
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return body.includes('=') ? Object.fromEntries(new URLSearchParams(body)) : undefined;
  }
}

/** `POST /oauth/token` with the client-credentials grant. */
export function handleToken(state: TenantState, body: string, contentType: string): Reply {
  const headers = rateLimitHeaders(state.bucket.peek());
  const form = parseForm(body, contentType);
  if (!form) {
    const error = { error: 'invalid_request', error_description: 'Invalid request body' };
    return { status: 400, body: error, headers };
  }
  if (form.client_id !== state.clientId || !sameSecret(form.client_secret, state.clientSecret)) {
    return {
      status: 401,
      body: { error: 'access_denied', error_description: 'Unauthorized' },
      headers,
    };
  }
  if (form.grant_type !== 'client_credentials') {
    const description = `Grant type '${String(form.grant_type)}' not allowed for the client.`;
    return {
      status: 403,
      body: { error: 'unauthorized_client', error_description: description },
      headers,
    };
  }
  const audience = typeof form.audience === 'string' ? form.audience : '';
  if (!/^https:\/\/[^/]+\/api\/v2\/$/.test(audience)) {
    const description = `Service not found: ${audience}`;
    return {
      status: 403,
      body: { error: 'access_denied', error_description: description },
      headers,
    };
  }
  const token = state.tokens.issue(state.tokenTtlSeconds);
  return {
    status: 200,
    body: {
      access_token: token,
      expires_in: state.tokenTtlSeconds,
      scope: 'read:logs read:logs_users',
      token_type: 'Bearer',
    },
    headers,
  };
}

function apiError(status: number, error: string, message: string, errorCode?: string): object {
  return { statusCode: status, error, message, ...(errorCode ? { errorCode } : {}) };
}

function badQuery(message: string): QueryError {
  return new QueryError(`Query validation error: ${message}`);
}

function intParam(
  params: URLSearchParams,
  name: string,
  fallback: number,
  min: number,
  max: number,
) {
  const raw = params.get(name);
  if (raw === null || raw === '') return fallback;
  const value = Number(raw);
  if (!/^-?\d+$/.test(raw) || value < min || value > max) {
    throw badQuery(
      `'Invalid value ${raw} for property ${name}: must be an integer from ${min} to ${max}' on property ${name}`,
    );
  }
  return value;
}

function pickFields(log: object, params: URLSearchParams): object {
  const fields = params.get('fields');
  if (!fields) return log;
  const names = new Set(fields.split(',').map((name) => name.trim()));
  const include = params.get('include_fields') !== 'false';
  return Object.fromEntries(Object.entries(log).filter(([key]) => names.has(key) === include));
}

/**
 * Checkpoint mode, with Auth0's `Link: <...>; rel="next"` header: the same URL from the page's last
 * log id, or, for an empty page, the request's own URL. Source:
 * https://auth0.com/docs/deploy-monitor/logs/retrieve-log-events-using-mgmt-api
 */
function checkpointPage(
  state: TenantState,
  url: URL,
  from: string,
): { logs: object[]; link: string } | { status: number } {
  const params = url.searchParams;
  const take = intParam(params, 'take', 50, 1, 100);
  // a `from` older than the oldest log kept (retention) answers from the oldest kept, as Auth0 does
  const after = Math.max(state.generator.first, servedIndexAfter(state, from));
  const start = quirkStart(state, from, after);
  if (typeof start !== 'number') return start;
  const end = Math.min(state.generator.count, start + take);
  const logs = [];
  for (let index = start; index < end; index++) logs.push(servedLog(state, index));
  const next = new URL(url.href);
  if (end > start) next.searchParams.set('from', servedId(state, end - 1));
  return { logs, link: `<${next.href}>; rel="next"` };
}

function parseQ(q: string, generator: LogGenerator) {
  try {
    return parseQuery(q, generator);
  } catch (error) {
    throw error instanceof QueryError ? badQuery(`invalid q: ${error.message}`) : error;
  }
}

/** Search mode pages through the first 1,000 results only. */
const SEARCH_CAP = 1000;

/**
 * Auth0's answer to a page past the first 1,000 results (`page * per_page + per_page > 1000`): 400,
 * `invalid_paging`. Sources: https://support.auth0.com/center/s/article/pagination-error-when-getting-user-roles
 * (the message and the rule) and Auth0's Organizations docs (the `invalid_paging` code);
 * https://auth0.com/docs/api/management/v2/logs/get-logs ("you may paginate only through 1,000
 * search results").
 */
class PagingError extends QueryError {
  readonly errorCode = 'invalid_paging';
  constructor(page: number) {
    super(
      `Requesting page ${page} exceeds the allowed maximum of ${SEARCH_CAP} records. To fetch results beyond ${SEARCH_CAP}, use the checkpoint pagination method.`,
    );
  }
}

function searchPage(state: TenantState, params: URLSearchParams): object {
  const perPage = intParam(params, 'per_page', 50, 1, 100);
  const page = intParam(params, 'page', 0, 0, Number.MAX_SAFE_INTEGER);
  const sort = params.get('sort') || 'date:-1';
  if (sort !== 'date:1' && sort !== 'date:-1') {
    throw badQuery(`'Invalid value ${sort} for property sort' on property sort`);
  }
  if (page * perPage + perPage > SEARCH_CAP) throw new PagingError(page);
  const includeTotals = params.get('include_totals') === 'true';
  const query = parseQ(params.get('q') ?? '', state.generator);
  const found = searchLogs(state.generator, query, {
    ascending: sort === 'date:1',
    skip: page * perPage,
    limit: perPage,
    countTotal: includeTotals,
  });
  const logs = found.indexes.map((index) => pickFields(servedLog(state, index), params));
  if (!includeTotals) return logs;
  return { start: page * perPage, limit: perPage, length: logs.length, total: found.total, logs };
}

/**
 * `GET /api/v2/logs`, in checkpoint mode (`from`) or search mode. Takes from the rate-limit bucket;
 * the caller counts the answer in the stats when it sends it.
 */
export function handleLogs(state: TenantState, url: URL, authorization: string | undefined): Reply {
  const decision = state.bucket.take();
  const headers = rateLimitHeaders(decision);
  const reply = (status: number, body: object): Reply => ({ status, body, headers });
  if (!decision.allowed) {
    const message = 'Global limit has been reached';
    return reply(429, apiError(429, 'Too Many Requests', message, 'too_many_requests'));
  }
  const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
  const check = state.tokens.check(token);
  if (check === 'unknown') {
    return reply(401, apiError(401, 'Unauthorized', 'Invalid token', 'invalid_token'));
  }
  if (check === 'expired') {
    const message = 'Expired token received for JSON Web Token validation';
    return reply(401, apiError(401, 'Unauthorized', message, 'invalid_token'));
  }
  if (state.failRate > 0 && state.random() < state.failRate) {
    return reply(500, apiError(500, 'Internal Server Error', 'An internal server error occurred'));
  }
  try {
    const params = url.searchParams;
    const from = params.get('from');
    if (from !== null) {
      const page = checkpointPage(state, url, from);
      if ('status' in page)
        return reply(page.status, apiError(page.status, 'Bad Request', 'Invalid from'));
      const link = page.link;
      return {
        status: 200,
        body: page.logs,
        headers: { ...headers, link },
        served: page.logs.length,
      };
    }
    const body = searchPage(state, params);
    const logs = Array.isArray(body) ? body : (body as { logs: unknown[] }).logs;
    return { ...reply(200, body), served: logs.length };
  } catch (error) {
    if (!(error instanceof QueryError)) throw error;
    const code = error instanceof PagingError ? error.errorCode : 'invalid_query_string';
    return reply(400, apiError(400, 'Bad Request', error.message, code));
  }
}
