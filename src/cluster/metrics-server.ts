import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ClusterMetrics } from './metrics';

/** A running `/metrics` + `/healthz` server. */
export interface MetricsServer {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Serves `GET /metrics` (Prometheus text format) and `GET /healthz` (`200 ok` while `healthy()`,
 * `503 stopping` otherwise) on `host:port` (`0` picks a free port).
 */
export async function serveMetrics(
  metrics: ClusterMetrics,
  port: number,
  healthy: () => boolean,
  host = '0.0.0.0',
): Promise<MetricsServer> {
  const server = http.createServer((request, response) => {
    const url = request.url?.split('?')[0];
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
    } else if (url === '/metrics') {
      metrics.registry.metrics().then(
        (body) => {
          response.writeHead(200, { 'content-type': metrics.registry.contentType }).end(body);
        },
        () => response.writeHead(500).end(),
      );
    } else if (url === '/healthz') {
      const ok = healthy();
      response
        .writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' })
        .end(ok ? 'ok\n' : 'stopping\n');
    } else {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
