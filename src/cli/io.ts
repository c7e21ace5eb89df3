import type { Timing } from '../pipeline/retry';

/** The part of a writable stream the CLI uses; `process.stdout` and a `PassThrough` both fit. */
export interface OutputStream {
  write(chunk: string, callback?: (error?: Error | null) => void): boolean;
}

/** Everything a command touches outside its arguments, so tests can run it in-process. */
export interface CliIo {
  stdout: OutputStream;
  stderr: OutputStream;
  /** Environment variables (`AUTH0_DOMAIN`, ...). */
  env: Record<string, string | undefined>;
  /** Whether stderr is a terminal: the progress display is drawn only then. */
  isTTY: boolean;
  /** Width of the terminal, to keep the progress line on one row. */
  columns?: number;
  /** Aborted on SIGINT/SIGTERM: long-running commands stop cleanly between batches. */
  signal?: AbortSignal;
  /** Whether stdout is a terminal: logs on a terminal's stdout get no progress line beside them. */
  stdoutIsTTY?: boolean;
  /** Emits `hangup` on SIGHUP: `ship --out` reopens its file (log rotation). */
  hangups?: { on(event: 'hangup', listener: () => void): unknown };
  /** Clock, sleep and jitter of `ship --follow` (tests make them instant). @default the system's */
  timing?: Partial<Timing>;
}

/**
 * Exit codes of every command: 0 done (or stopped by a signal, or stdout closed by its reader),
 * 1 failed, 2 bad usage, 3 the state is in use by another run (nothing was shipped).
 */
export const EXIT = Object.freeze({ ok: 0, failed: 1, usage: 2, locked: 3 });

/** Bad usage: the message says what was wrong and names the flag; the command exits with 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Writes a chunk and resolves once the stream has taken it (backpressure, EPIPE). */
export function writeAsync(stream: OutputStream, chunk: string): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(chunk, (error) => (error ? reject(error) : resolve()));
  });
}
