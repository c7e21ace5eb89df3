import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { integerOption, invalid } from '../options/check';
import type { LogEvent } from '../types';
import { handleLogs, handleToken, rateLimitHeaders, TokenStore } from './endpoints';
import type { Reply, TenantState } from './endpoints';
import { LogGenerator } from './log-generator';
import { checkRuntimeOptions, resolveOptions } from './options';
import { TokenBucket } from './rate-limiter';
import { readBody, renderReply, writeReply } from './reply';
import { FAKE_TENANT_CA, FAKE_TENANT_CERT, FAKE_TENANT_KEY } from './tls-fixture';
import type {
  FakeTenant,
  FakeTenantOptions,
  FakeTenantRuntimeOptions,
  FakeTenantStats,
  ScriptedResponse,
} from './types';

const DAY_MS = 86_400_000;

function emptyStats(): FakeTenantStats {
  return {
    tokenRequests: 0,
    logRequests: 0,
    status: {},
    rateLimited: 0,
    connections: 0,
    maxConcurrentRequests: 0,
    logsServed: 0,
  };
}

const ROUTES: Record<string, { method: string; route: 'token' | 'logs' }> = {
  '/oauth/token': { method: 'POST', route: 'token' },
  '/api/v2/logs': { method: 'GET', route: 'logs' },
};

function send(res: ServerResponse, reply: Reply): void {
  writeReply(res, renderReply(reply));
}

/**
 * Starts an HTTPS server on 127.0.0.1 that behaves like an Auth0 tenant's `POST /oauth/token` and
 * `GET /api/v2/logs`, serving deterministic, lazily generated logs. Trust `tenant.ca` in the client.
 * @example
 * const tenant = await startFakeTenant({ logs: 5000, rateLimit: { burst: 10, perSecond: 5 } });
 * // Point the client at tenant.domain with tenant.clientId and tenant.clientSecret, trusting tenant.ca
 * // (an https.Agent({ ca: tenant.ca }), or NODE_EXTRA_CA_CERTS for clients that cannot take one).
 * await tenant.close();
 */
export async function startFakeTenant(options: FakeTenantOptions = {}): Promise<FakeTenant> {
  const o = resolveOptions(options);
  const runtime = { latencyMs: o.latencyMs, connectLatencyMs: o.connectLatencyMs };
  const startedAt = o.now();
  const generator = new LogGenerator({
    seed: o.seed,
    count: o.logs,
    startMs: o.startMs,
    endMs: o.endMs,
    lateShare: o.lateShare,
    lateMs: o.lateMs,
    arrival: o.arrival,
    bursts: o.bursts,
  });
  generator.startGrowth(startedAt, o.growth);
  const state: TenantState = {
    generator,
    bucket: new TokenBucket(o.rateLimit, o.now),
    tokens: new TokenStore(o.now),
    stats: emptyStats(),
    clientId: o.clientId,
    clientSecret: o.clientSecret,
    tokenTtlSeconds: o.tokenTtlSeconds,
    failRate: o.failRate,
    random: o.random,
    now: o.now,
    // backfill: misbehaviour for the fall-back tests (see LogsQuirks in endpoints.ts).
    quirks: options.quirks && { ...options.quirks },
  };
  const scripted: ScriptedResponse[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let inFlight = 0;
  let closing: Promise<void> | undefined;

  const later = (ms: number, run: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      run();
    }, ms);
    timers.add(timer);
  };
  const wait = (ms: number) => new Promise<void>((resolve) => later(ms, resolve));
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.once('close', () => sockets.delete(socket));
  };
  const retentionMs = o.retentionDays * DAY_MS;
  /** The logs as they are now by the tenant's clock: growth appended, expired ones dropped. */
  const grown = () => {
    const now = o.now();
    generator.grow(now);
    if (Number.isFinite(retentionMs)) generator.expireBefore(now - retentionMs);
    return generator;
  };
  const takeScripted = (route: 'token' | 'logs') => {
    const at = scripted.findIndex((entry) => entry.path === undefined || entry.path === route);
    return at === -1 ? undefined : scripted.splice(at, 1)[0];
  };

  /** The answer to a request that reached an endpoint: a scripted one, or the endpoint's. */
  const build = (
    route: 'token' | 'logs',
    script: ScriptedResponse | undefined,
    req: IncomingMessage,
    url: URL,
    body: string,
  ): Reply => {
    if (script) {
      const limits = script.rateLimitHeaders === false ? {} : rateLimitHeaders(state.bucket.peek());
      const reply: Reply = { status: script.status, headers: { ...limits, ...script.headers } };
      if (script.body !== undefined) reply.body = script.body;
      return reply;
    }
    if (route === 'token') return handleToken(state, body, req.headers['content-type'] ?? '');
    grown();
    return handleLogs(state, url, req.headers.authorization);
  };

  const respond = async (req: IncomingMessage, res: ServerResponse) => {
    // core: the request's own host, so the logs endpoint's `Link` header is absolute as Auth0's is.
    const url = new URL(req.url ?? '/', `https://${req.headers.host ?? 'fake-tenant.invalid'}`);
    const endpoint = ROUTES[url.pathname];
    const body = await readBody(req);
    const arrived = performance.now();
    if (!endpoint || endpoint.method !== req.method) {
      const error = { statusCode: 404, error: 'Not Found', message: 'Not Found' };
      return send(res, { status: 404, body: error, headers: {} });
    }
    const { route } = endpoint;
    if (route === 'token') state.stats.tokenRequests++;
    else state.stats.logRequests++;
    const script = takeScripted(route);
    const delay = runtime.latencyMs + (script?.delayMs ?? 0);
    // Built and serialised on arrival, as a server does: the bucket, tokens, logs and quirks are those
    // the request found, and the answer leaves `delay` ms after it arrived, this work included.
    const reply = script?.hangUp ? undefined : build(route, script, req, url, body);
    const rendered = reply && renderReply(reply);
    // waits again when the timer fired early (it counts from the loop's cached, whole-ms time)
    for (let left = arrived + delay - performance.now(); left > 0;) {
      await wait(left);
      left = arrived + delay - performance.now();
    }
    if (res.destroyed) return;
    if (!reply || !rendered) return void req.socket.destroy();
    if (route === 'logs') {
      state.stats.status[reply.status] = (state.stats.status[reply.status] ?? 0) + 1;
      if (reply.status === 429) state.stats.rateLimited++;
      state.stats.logsServed += reply.served ?? 0;
    }
    writeReply(res, rendered);
  };

  const https = createHttpsServer({ key: FAKE_TENANT_KEY, cert: FAKE_TENANT_CERT }, (req, res) => {
    // `Date` in the tenant's own clock (the `now` option), as clients estimate it from this header.
    res.setHeader('date', new Date(o.now()).toUTCString());
    inFlight++;
    state.stats.maxConcurrentRequests = Math.max(state.stats.maxConcurrentRequests, inFlight);
    res.once('close', () => inFlight--);
    respond(req, res).catch(() => {
      if (res.headersSent) return void res.destroy();
      const error = {
        statusCode: 500,
        error: 'Internal Server Error',
        message: 'Fake tenant failure',
      };
      send(res, { status: 500, body: error, headers: {} });
    });
  });
  https.on('secureConnection', track);

  // Plain TCP first, so that a connection's setup cost can be delayed before TLS sees it.
  const net = createNetServer((socket) => {
    state.stats.connections++;
    track(socket);
    const handOver = () => {
      if (!socket.destroyed) https.emit('connection', socket);
    };
    if (runtime.connectLatencyMs > 0) later(runtime.connectLatencyMs, handOver);
    else handOver();
  });
  await new Promise<void>((resolve, reject) => {
    net.once('error', reject);
    net.listen(o.port, o.host, () => {
      net.off('error', reject);
      resolve();
    });
  });

  const port = (net.address() as AddressInfo).port;
  const domain = `${o.host.includes(':') ? `[${o.host}]` : o.host}:${port}`;
  const checkIndex = (index: number) => {
    const count = grown().count;
    return integerOption('index', index, undefined, { min: 0, max: count - 1 }, { strict: true });
  };

  return {
    domain,
    baseUrl: `https://${domain}`,
    port,
    clientId: o.clientId,
    clientSecret: o.clientSecret,
    ca: FAKE_TENANT_CA,
    stats: () => ({ ...state.stats, status: { ...state.stats.status } }),
    resetStats: () => {
      state.stats = emptyStats();
    },
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        net.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
    logCount: () => grown().count,
    firstKeptIndex: () => grown().first,
    addLogs: (n: number) => {
      integerOption('n', n, undefined, { min: 0, max: Infinity }, { strict: true });
      grown().add(n, o.now());
    },
    logAt: (index: number): LogEvent => generator.at(checkIndex(index)),
    logIdAt: (index: number) => generator.idAt(checkIndex(index)),
    expireTokens: () => state.tokens.expireAll(),
    enqueue: (response: ScriptedResponse) => {
      if (!Number.isInteger(response.status) || response.status < 100 || response.status > 599) {
        throw invalid('status', 'an HTTP status', response.status);
      }
      if (response.path !== undefined && response.path !== 'token' && response.path !== 'logs') {
        // any other value would wait in the queue for a request that never comes
        throw invalid(
          'path',
          "'token' (POST /oauth/token), 'logs' (GET /api/v2/logs) or absent (either)",
          response.path,
        );
      }
      scripted.push({ ...response });
    },
    setOptions: (changes: FakeTenantRuntimeOptions) => {
      checkRuntimeOptions(changes);
      if (changes.latencyMs !== undefined) runtime.latencyMs = changes.latencyMs;
      if (changes.connectLatencyMs !== undefined)
        runtime.connectLatencyMs = changes.connectLatencyMs;
      if (changes.failRate !== undefined) state.failRate = changes.failRate;
      if (changes.quirks !== undefined) state.quirks = changes.quirks ?? undefined;
      if (changes.rateLimit !== undefined) state.bucket.configure(changes.rateLimit ?? undefined);
    },
  };
}
