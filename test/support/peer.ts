import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

/** One request a peer received. */
export interface PeerRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** An answer a peer sends. */
export interface PeerAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** A small HTTP server on loopback that answers with `handle`, or first with scripted answers. */
export interface Peer {
  readonly url: string;
  readonly requests: PeerRequest[];
  /** Answers the next requests with these, first in first out, before `handle`. */
  script(...answers: PeerAnswer[]): void;
  /** Answers request number `n` (1 for the first this peer receives) with `answer`. */
  scriptAt(n: number, answer: PeerAnswer): void;
  close(): Promise<void>;
}

export async function startPeer(
  handle: (request: PeerRequest) => PeerAnswer,
  tls?: { key: string; cert: string },
): Promise<Peer> {
  const requests: PeerRequest[] = [];
  const scripted: PeerAnswer[] = [];
  const at = new Map<number, PeerAnswer>();
  const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request: PeerRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      requests.push(request);
      let answer: PeerAnswer;
      try {
        answer = at.get(requests.length) ?? scripted.shift() ?? handle(request);
      } catch (error) {
        answer = { status: 500, body: { error: String(error) } };
      }
      const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(text);
    });
  };
  const server = tls ? https.createServer(tls, listener) : http.createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    requests,
    script: (...answers) => scripted.push(...answers),
    scriptAt: (n, answer) => void at.set(n, answer),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
