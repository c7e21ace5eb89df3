import { promises as fs } from 'node:fs';
import path from 'node:path';
import { errorMessage } from '../errors';
import type { LogEvent } from '../types';
import { type OutputStream, writeAsync } from './io';

/** Where `ship` sends the logs. A batch is acknowledged once `send` resolves. */
export interface Destination {
  /** For messages: `stdout`, the file path, or the URL without credentials and query. */
  readonly label: string;
  /** Whether the logs go to stdout (then messages for humans go to stderr). */
  readonly usesStdout: boolean;
  send(logs: LogEvent[]): Promise<void>;
  close(): Promise<void>;
}

/** An HTTP endpoint that takes each batch as a JSON array. */
export interface PostTarget {
  url: URL;
  headers: Record<string, string>;
  /** @default 30000 */
  timeoutMs?: number;
}

function ndjson(logs: LogEvent[]): string {
  return logs.map((log) => `${JSON.stringify(log)}\n`).join('');
}

/** NDJSON on a stream (stdout); acknowledged once the stream has taken the lines. */
export function streamDestination(stream: OutputStream): Destination {
  return {
    label: 'stdout',
    usesStdout: true,
    send: (logs) => (logs.length ? writeAsync(stream, ndjson(logs)) : Promise.resolve()),
    close: () => Promise.resolve(),
  };
}

/**
 * NDJSON appended to a file (created with mode 0600: logs hold personal data); each batch is
 * flushed to disk before it is acknowledged, so a stored checkpoint never runs ahead of the file.
 */
export async function fileDestination(file: string): Promise<Destination> {
  await fs.mkdir(path.dirname(path.resolve(file)), { recursive: true });
  const handle = await fs.open(file, 'a', 0o600);
  return {
    label: file,
    usesStdout: false,
    async send(logs) {
      if (!logs.length) return;
      await handle.write(ndjson(logs));
      await handle.datasync();
    },
    close: () => handle.close(),
  };
}

/** Each batch `POST`ed as a JSON array; any 2xx answer acknowledges it. */
export function postDestination(target: PostTarget): Destination {
  const label = `${target.url.origin}${target.url.pathname}`;
  return {
    label,
    usesStdout: false,
    async send(logs) {
      let response: Response;
      try {
        response = await fetch(target.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...target.headers },
          body: JSON.stringify(logs),
          redirect: 'manual',
          signal: AbortSignal.timeout(target.timeoutMs ?? 30_000),
        });
      } catch (error) {
        const cause = (error as { cause?: { code?: string } }).cause;
        throw new Error(`POST ${label} failed: ${cause?.code ?? errorMessage(error)}`);
      }
      await response.arrayBuffer().catch(() => undefined);
      if (!response.ok) {
        throw new Error(`POST ${label} answered ${response.status} ${response.statusText}`.trim());
      }
    },
    close: () => Promise.resolve(),
  };
}
