import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A batch the collector acknowledged (answered 200). */
export interface AckedBatch {
  ids: string[];
  /** The `x-worker` header of the request: which worker sent it. */
  worker: string;
  /** The test's phase when it was acknowledged. */
  phase: string;
}

/** A request kept unanswered by {@link Collector.hold}. */
export interface HeldRequest {
  worker: string;
  ids: string[];
  /** Answers 200 and records the batch as acknowledged. */
  answer(): void;
  /** Destroys the connection without answering: the batch is not acknowledged. */
  drop(): void;
}

/**
 * A destination for `post`: `POST /<tenant>` with a JSON array of logs. It records, per tenant, each
 * batch it acknowledged, answers 503 while {@link outage} is set, and can keep one request of a
 * tenant unanswered (to fault the worker that sent it while its batch is in flight).
 */
export interface Collector {
  readonly url: string;
  /** While true every request is answered 503 (nothing recorded). */
  outage: boolean;
  /** Tags the batches acknowledged from now on. */
  phase: string;
  /** Acknowledged batches of `tenant`, in order. */
  batches(tenant: string): AckedBatch[];
  /** Resolves with the next request of `tenant`, kept unanswered until the test answers or drops it. */
  hold(tenant: string): Promise<HeldRequest>;
  close(): Promise<void>;
}

export async function startCollector(): Promise<Collector> {
  const acked = new Map<string, AckedBatch[]>();
  const holds = new Map<string, (held: HeldRequest) => void>();
  const batches = (tenant: string) => {
    let list = acked.get(tenant);
    if (!list) acked.set(tenant, (list = []));
    return list;
  };
  const state = { outage: false, phase: 'start' };
  const server = http.createServer((request, response) => {
    const tenant = (request.url ?? '/').slice(1);
    const worker = String(request.headers['x-worker'] ?? '');
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (state.outage) {
        response.writeHead(503, { 'content-type': 'text/plain' }).end('unavailable');
        return;
      }
      const ids = (
        JSON.parse(Buffer.concat(chunks).toString('utf8')) as Array<{ log_id: string }>
      ).map((log) => log.log_id);
      const answer = () => {
        batches(tenant).push({ ids, worker, phase: state.phase });
        response.end('ok');
      };
      const take = holds.get(tenant);
      if (!take) return answer();
      holds.delete(tenant);
      take({ worker, ids, answer, drop: () => request.socket.destroy() });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get outage() {
      return state.outage;
    },
    set outage(value: boolean) {
      state.outage = value;
    },
    get phase() {
      return state.phase;
    },
    set phase(value: string) {
      state.phase = value;
    },
    batches,
    hold: (tenant) => new Promise((resolve) => holds.set(tenant, resolve)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
