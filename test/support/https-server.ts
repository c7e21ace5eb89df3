import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { FAKE_TENANT_CA, FAKE_TENANT_CERT, FAKE_TENANT_KEY } from '../../src/testing/tls-fixture';

/** A small strict HTTPS server on 127.0.0.1 (the fake tenant's certificate) for one test. */
export interface LocalServer {
  domain: string;
  ca: string;
  close(): Promise<void>;
}

/** Starts `handler` behind TLS; `close()` also destroys open sockets (a dripping body included). */
export async function startHttpsServer(
  handler: (req: IncomingMessage, res: ServerResponse, body: string) => void,
): Promise<LocalServer> {
  const sockets = new Set<Socket>();
  const server = createServer({ key: FAKE_TENANT_KEY, cert: FAKE_TENANT_CERT }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => handler(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    domain: `127.0.0.1:${port}`,
    ca: FAKE_TENANT_CA,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Writes a JSON answer with `headers`. */
export function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
    ...headers,
  });
  res.end(payload);
}

/** A 56-digit log id for index `i` (`900`, a fixed time, a sequence). */
export function logId(i: number): string {
  return `90020260101000000${String(i).padStart(39, '0')}`;
}
