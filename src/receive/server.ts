import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { metricsRequest } from '../cluster/metrics-server';
import type { WorkerHealth } from '../cluster/health';
import type { LogEvent } from '../types';
import { streamAuthorizer } from './authorization';
import type { IntakeResult } from './intake';
import type { ReceiveMetrics } from './metrics';
import { DeliveryError, parseDelivery } from './parse';

/** Defaults of {@link startReceiver}. */
export const RECEIVER_DEFAULTS = Object.freeze({
  host: '127.0.0.1',
  port: 8080,
  path: '/',
  /** Largest body accepted, in bytes (10 MB); larger: 413. */
  bodyLimit: 10 * 1024 * 1024,
});

/** One stream a receiver takes: the path it is posted to, its token, where its logs go. */
export interface ReceiverRoute {
  path: string;
  /** The stream's Authorization token; absent: none asked. */
  token?: string;
  /** Ships one delivery's logs; resolves once the destination acknowledged them. */
  submit: (logs: LogEvent[]) => Promise<IntakeResult>;
}

/** Options of {@link startReceiver}. */
export interface ReceiverOptions {
  /** @default RECEIVER_DEFAULTS.host */
  host?: string;
  /** `0` picks a free port. @default RECEIVER_DEFAULTS.port */
  port?: number;
  /** The path Auth0 posts to (its Payload URL's). @default '/' */
  path?: string;
  /** The stream's Authorization token (`AUTH0_LOG_STREAM_TOKEN`); absent: none asked. */
  token?: string;
  /** @default RECEIVER_DEFAULTS.bodyLimit */
  bodyLimit?: number;
  /** PEM certificate and key: HTTPS instead of HTTP. */
  tls?: { cert: string; key: string };
  /** Ships one delivery's logs; resolves once the destination acknowledged them. */
  submit?: (logs: LogEvent[]) => Promise<IntakeResult>;
  /**
   * Several streams on one listener (`serve`: a path per tenant), instead of `path`, `token` and
   * `submit`.
   */
  routes?: ReceiverRoute[];
  /** What `/healthz` answers. @default always ok */
  health?: () => WorkerHealth;
  metrics?: ReceiveMetrics;
  /** Told each delivery refused for the receiver's own reason (5xx), for the operator. */
  onError?: (error: unknown) => void;
}

/** A running receiver. */
export interface Receiver {
  readonly port: number;
  readonly host: string;
  /** Stops accepting, answers the deliveries in flight, then resolves. Idempotent. */
  close(): Promise<void>;
}

/**
 * An HTTP(S) server for one tenant's Log Stream (Auth0 custom webhook). `POST <path>`: the
 * Authorization header is checked before the body is read (401, the connection closed); a body
 * above `bodyLimit` is refused (413); a malformed delivery is refused as a whole (400, or 415 for
 * its content type) with the element and fault named; otherwise its logs are submitted and the
 * answer is 200 only once they are acknowledged (503 with `Retry-After` when the destination
 * failed: Auth0 sends the delivery again). `GET /metrics` and `GET /healthz` as `serve` answers
 * them. Nothing it answers or reports holds the token.
 */
export async function startReceiver(options: ReceiverOptions): Promise<Receiver> {
  const limit = options.bodyLimit ?? RECEIVER_DEFAULTS.bodyLimit;
  const routes = new Map(
    (
      options.routes ??
      (options.submit
        ? [
            {
              path: options.path ?? RECEIVER_DEFAULTS.path,
              submit: options.submit,
              ...(options.token === undefined ? {} : { token: options.token }),
            },
          ]
        : [])
    ).map((route) => [
      route.path,
      { submit: route.submit, authorized: streamAuthorizer(route.token) },
    ]),
  );
  const health = options.health ?? (() => ({ ok: true, reasons: [] }));
  const monitoring = options.metrics ? metricsRequest(options.metrics, health) : undefined;
  let closing = false;
  const inFlight = new Set<Promise<void>>();

  const answer = (
    response: http.ServerResponse,
    status: number,
    body: object,
    headers: http.OutgoingHttpHeaders = {},
  ) => {
    options.metrics?.delivery(status);
    response
      .writeHead(status, { 'content-type': 'application/json', ...headers })
      .end(`${JSON.stringify(body)}\n`);
  };

  const handle = async (request: http.IncomingMessage, response: http.ServerResponse) => {
    const url = request.url?.split('?')[0] ?? '';
    const route = routes.get(url);
    if (!route || request.method !== 'POST') {
      if (monitoring?.(request, response)) return;
      if (!route) {
        response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
        return;
      }
      response.writeHead(405, { allow: 'POST' }).end();
      return;
    }
    const close = { connection: 'close' };
    if (closing)
      return answer(response, 503, { error: 'stopping' }, { ...close, 'retry-after': '5' });
    if (!route.authorized(request.headers.authorization))
      return answer(response, 401, { error: 'wrong or missing Authorization' }, close);
    const declared = Number(request.headers['content-length']);
    if (declared > limit) return answer(response, 413, { error: tooLarge(limit) }, close);
    let body: string;
    try {
      body = await readBody(request, limit);
    } catch (error) {
      if (error === TOO_LARGE) return answer(response, 413, { error: tooLarge(limit) }, close);
      throw error;
    }
    let logs: LogEvent[];
    try {
      logs = parseDelivery(body, request.headers['content-type']).logs;
    } catch (error) {
      if (error instanceof DeliveryError)
        return answer(response, error.status, { error: error.message });
      throw error;
    }
    options.metrics?.received(logs.length);
    let result: IntakeResult;
    try {
      result = await route.submit(logs);
    } catch (error) {
      options.onError?.(error);
      return answer(
        response,
        503,
        { error: 'the destination did not acknowledge the logs; send them again' },
        { 'retry-after': '10' },
      );
    }
    answer(response, 200, {
      shipped: result.shipped,
      duplicates: result.duplicates,
      filtered: result.filtered,
    });
  };

  const listener = (request: http.IncomingMessage, response: http.ServerResponse) => {
    const done = handle(request, response)
      .catch((error: unknown) => {
        options.onError?.(error);
        if (!response.headersSent) answer(response, 500, { error: 'internal error' });
      })
      .finally(() => inFlight.delete(done));
    inFlight.add(done);
  };
  const server = options.tls
    ? https.createServer({ cert: options.tls.cert, key: options.tls.key }, listener)
    : http.createServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(
      options.port ?? RECEIVER_DEFAULTS.port,
      options.host ?? RECEIVER_DEFAULTS.host,
      () => {
        server.off('error', reject);
        resolve();
      },
    );
  });
  const bound = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  return {
    port: bound.port,
    host: bound.address,
    close: () =>
      (closed ??= (async () => {
        closing = true;
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
        server.closeAllConnections();
        await stopped;
      })()),
  };
}

const TOO_LARGE = Symbol('too large');

function tooLarge(limit: number): string {
  return `The body is larger than ${limit} bytes (--body-limit)`;
}

/** The body as UTF-8 text; rejects with {@link TOO_LARGE} past `limit` bytes (reading stops). */
function readBody(request: http.IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        request.pause();
        reject(TOO_LARGE);
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}
