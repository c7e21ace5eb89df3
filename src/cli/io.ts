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
}

/** Exit codes of every command. */
export const EXIT = Object.freeze({ ok: 0, failed: 1, usage: 2 });

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
