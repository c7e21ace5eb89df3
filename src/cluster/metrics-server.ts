import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WorkerHealth } from './health';
import type { RunMetrics } from './metrics';

/** A running `/metrics` + `/healthz` server. */
export interface MetricsServer {
  readonly port: number;
  /** The address the server is bound to, as the system reports it (`127.0.0.1`, `::`). */
  readonly host: string;
  close(): Promise<void>;
}

/**
 * Serves `GET /metrics` (Prometheus text format) and `GET /healthz` on `host:port` (`0` picks a free
 * port). `/healthz` answers JSON: `200 {"status":"ok"}` while `health()` is ok, otherwise
 * `503 {"status":"unhealthy","reasons":[{"code","message"}]}` (a boolean `false` reads `stopping`).
 * @default host '127.0.0.1' (this machine only; `0.0.0.0` for every interface)
 */
export async function serveMetrics(
  metrics: Pick<RunMetrics, 'registry'>,
  port: number,
  health: () => boolean | WorkerHealth,
  host = '127.0.0.1',
): Promise<MetricsServer> {
  const answer = metricsRequest(metrics, health);
  const server = http.createServer((request, response) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
    } else if (!answer(request, response)) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const bound = server.address() as AddressInfo;
  return {
    port: bound.port,
    host: bound.address,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Answers `GET /metrics` (Prometheus text format) and `GET /healthz` (see {@link serveMetrics});
 * returns `false`, answering nothing, for any other request. For servers that answer more
 * (`receive`'s listener).
 */
export function metricsRequest(
  metrics: Pick<RunMetrics, 'registry'>,
  health: () => boolean | WorkerHealth,
): (request: http.IncomingMessage, response: http.ServerResponse) => boolean {
  return (request, response) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return false;
    const url = request.url?.split('?')[0];
    if (url === '/metrics') {
      metrics.registry.metrics().then(
        (body) => {
          response.writeHead(200, { 'content-type': metrics.registry.contentType }).end(body);
        },
        () => response.writeHead(500).end(),
      );
      return true;
    }
    if (url === '/healthz') {
      const answer = health();
      const { ok, reasons } =
        typeof answer === 'boolean'
          ? { ok: answer, reasons: answer ? [] : [{ code: 'stopping', message: 'stopping' }] }
          : answer;
      const body = ok ? { status: 'ok' } : { status: 'unhealthy', reasons };
      response
        .writeHead(ok ? 200 : 503, { 'content-type': 'application/json' })
        .end(`${JSON.stringify(body)}\n`);
      return true;
    }
    return false;
  };
}
