import { promises as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { CliIo } from '../../src/cli/io';

/** An in-memory `CliIo`: what the command wrote, by stream. */
export function captureIo(overrides: Partial<CliIo> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const sink = (chunks: string[]) => ({
    write(chunk: string, callback?: (error?: Error | null) => void) {
      chunks.push(chunk);
      if (callback) queueMicrotask(() => callback());
      return true;
    },
  });
  const io: CliIo = { stdout: sink(out), stderr: sink(err), env: {}, isTTY: false, ...overrides };
  return { io, stdout: () => out.join(''), stderr: () => err.join('') };
}

/** A fresh temporary folder, removed by `cleanup`. */
export async function tempDir(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'auth0-log-tools-cli-'));
}

/** The `log_id`s of an NDJSON text, in order. */
export function ndjsonIds(text: string): string[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => (JSON.parse(line) as { log_id: string }).log_id);
}

/** Resolves once `check` holds, polling every 10 ms (fails after `timeoutMs`). */
export async function waitFor(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('waitFor: timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A request the test endpoint received. */
export interface Received {
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

/** A local HTTP endpoint on 127.0.0.1 whose answer status the test decides per request. */
export async function startEndpoint(status: (request: number) => number) {
  const received: Received[] = [];
  let count = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const code = status(count++);
      if (code >= 200 && code < 300) {
        received.push({
          headers: req.headers,
          body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
        });
      }
      res.writeHead(code, { 'content-type': 'text/plain' }).end(code < 300 ? 'ok' : 'nope');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/ingest`,
    received,
    /** Log ids of every acknowledged batch, in order. */
    ids: () =>
      received.flatMap((r) => (r.body as Array<{ log_id: string }>).map((log) => log.log_id)),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
