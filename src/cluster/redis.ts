import type { Redis } from 'ioredis';
import { errorMessage } from '../errors';

/**
 * A Redis URL without its user name and password, for messages: `redis://:pw@host:6390/0` reads
 * `redis://host:6390/0` (a `postgres://` URL the same). A string that is not a URL reads `fallback`
 * (never quoted).
 */
export function redisAddress(url: string, fallback = 'the redis URL'): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return fallback;
  }
}

/**
 * A connection error in words: its message, or `connect ECONNREFUSED 127.0.0.1:6390` from its
 * code when the message is empty (an `AggregateError` of every address tried).
 */
export function connectionError(error: unknown): string {
  const e = error as {
    message?: unknown;
    code?: unknown;
    syscall?: unknown;
    address?: unknown;
    port?: unknown;
  };
  if (typeof e?.message === 'string' && e.message) return e.message;
  if (typeof e?.code !== 'string') return errorMessage(error);
  const where =
    typeof e.address === 'string' ? `${e.address}${e.port ? `:${String(e.port)}` : ''}` : '';
  return [e.syscall, e.code, where].filter((part) => typeof part === 'string' && part).join(' ');
}

/**
 * Every ioredis client of one cluster worker, on one URL: remembers the last connection error (for
 * the message when Redis cannot be reached), quits them gracefully or disconnects them at once.
 */
export class RedisClients {
  private readonly clients: Redis[] = [];
  /** The last `error` event of any client, if any. */
  lastError: unknown;
  /** `url` without credentials: see {@link redisAddress}. */
  readonly address: string;

  constructor(
    private readonly RedisClass: typeof Redis,
    private readonly url: string,
    private readonly onFirstError?: (error: unknown) => void,
  ) {
    this.address = redisAddress(url);
  }

  /** A new client (connecting at once), its errors recorded instead of thrown. */
  make(options: { maxRetriesPerRequest: number | null }): Redis {
    // a dropped connection's socket is destroyed 200 ms after it was ended (ioredis waits 2 s)
    const client = new this.RedisClass(this.url, { ...options, disconnectTimeout: 200 });
    client.on('error', (error: unknown) => {
      if (this.lastError === undefined) this.onFirstError?.(error);
      this.lastError = error;
    });
    this.clients.push(client);
    // BullMQ's blocking connection is a duplicate: it is dropped with the others
    const duplicate = client.duplicate.bind(client);
    client.duplicate = (override) => {
      const copy = duplicate(override);
      copy.on('error', () => undefined);
      this.clients.push(copy);
      return copy;
    };
    return client;
  }

  /** Quits every client (a client without a connection disconnects at once); never rejects. */
  async quit(): Promise<void> {
    for (const client of this.clients) await client.quit().catch(() => undefined);
  }

  /** Disconnects every client now: their pending commands reject and no reconnection is tried. */
  disconnect(): void {
    for (const client of this.clients) client.disconnect();
  }
}
