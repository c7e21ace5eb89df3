import fs from 'node:fs';
import { errorMessage } from '../errors';
import type { LogEvent } from '../types';
import { systemCode } from '../util/system-codes';
import { DestinationError } from './errors';
import { type WritableFile, appendDurably, cutPartialLine } from './file';
import { type DestinationHandler, destinationHandler, ndjson } from './handler';

/** The part of a writable stream the stdout destination uses (`process.stdout`, a test's capture). */
export interface TextOutput {
  write(chunk: string, callback?: (error?: Error | null) => void): boolean;
  /** Its file descriptor (`process.stdout.fd`): when it is a regular file, see {@link stdout}. */
  fd?: number;
}

/**
 * What the stdout destination needs of stdout when it is a regular file (`ship > logs.ndjson`):
 * writes at its offset, its size, cutting it back, fsync.
 */
export type StdoutFile = Omit<WritableFile, 'close'>;

/** Options of {@link stdout}. */
export interface StdoutOptions {
  /** Where the NDJSON goes. @default process.stdout */
  stream?: TextOutput;
  /** Called once when the reader closed the stream (`ship | head`): the CLI stops its run there. */
  onClosed?: () => void;
  /**
   * The regular file behind the stream, written instead of it.
   * @default the stream's `fd` when `fstat` says it is a regular file, else none
   */
  file?: StdoutFile;
  /** Called with a note for the user (a cut partial line). */
  onNote?: (note: string) => void;
}

/** Codes of a write to a stream whose reader went away. */
const CLOSED_CODES = new Set(['EPIPE', 'ERR_STREAM_DESTROYED', 'ERR_STREAM_WRITE_AFTER_END']);

/** The message of a batch refused because the reader closed stdout. */
const CLOSED_MESSAGE = 'stdout was closed by its reader';

/**
 * NDJSON on a stream (stdout); a batch is acknowledged once the stream has taken its lines.
 *
 * When stdout is a regular file (`ship > logs.ndjson`, `ship >> logs.ndjson`; `fstat` of its fd),
 * it is written as `--out` writes: a batch is acknowledged only once every byte of it is written
 * (short writes continued) and fsynced; a partial last line found before the first batch (left by a
 * killed run) is cut back to the last newline. A batch that fails (`ENOSPC`, `EIO`) is cut back
 * off the file, so no line is ever glued to the next, and the failure is permanent: the fd's
 * offset may now lie past the file's end (a `>` redirection is not in append mode), so nothing
 * more is written through it and the run stops with the checkpoint before that batch; the next
 * run (`>>`) goes on from there. The
 * handler's `destination` is `stdout`. When the reader closed the stream (EPIPE), this batch and
 * every later one reject with a permanent {@link DestinationError} of code `EPIPE`, and `onClosed`
 * is called once. Another write error rejects with a {@link DestinationError} holding the stream's
 * message, not permanent.
 */
export function stdout(options: StdoutOptions = {}): DestinationHandler {
  const stream = options.stream ?? process.stdout;
  const file = options.file ?? regularFile(stream.fd);
  if (file) return fileOutput(file, options.onNote ?? (() => undefined));
  let closed = false;
  const closedError = () =>
    new DestinationError('stdout', 'EPIPE', CLOSED_MESSAGE, {
      permanent: true,
      systemCode: 'EPIPE',
    });
  const send = async (logs: LogEvent[]) => {
    if (closed) throw closedError();
    try {
      await write(stream, ndjson(logs));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException | null)?.code;
      if (!CLOSED_CODES.has(code ?? '')) {
        const system = systemCode(error);
        throw new DestinationError('stdout', system ?? 'stdout_write_failed', errorMessage(error), {
          cause: error,
          permanent: false,
          ...(system === undefined ? {} : { systemCode: system }),
        });
      }
      closed = true;
      options.onClosed?.();
      throw closedError();
    }
  };
  return destinationHandler('stdout', send, () => Promise.resolve());
}

function write(stream: TextOutput, chunk: string): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(chunk, (error) => (error ? reject(error) : resolve()));
  });
}

/**
 * The regular file a stream writes to (`ship > logs.ndjson`, `ship >> logs.ndjson`), to tell one
 * redirection from another: its real path (read from `/proc/self/fd/<fd>` where the system has
 * it), else `device:inode`; `undefined` when the stream has no fd or it is not a regular file (a
 * terminal, a pipe).
 */
export function regularFileName(stream: TextOutput): string | undefined {
  const fd = (stream as { fd?: unknown }).fd;
  if (typeof fd !== 'number') return undefined;
  let stat: fs.Stats;
  try {
    stat = fs.fstatSync(fd);
  } catch {
    return undefined;
  }
  if (!stat.isFile()) return undefined;
  try {
    return fs.realpathSync(`/proc/self/fd/${fd}`);
  } catch {
    return `${stat.dev}:${stat.ino}`;
  }
}

/** The fd as a {@link StdoutFile} when it is a regular file; `undefined` otherwise. */
function regularFile(fd: number | undefined): StdoutFile | undefined {
  if (typeof fd !== 'number') return undefined;
  try {
    if (!fs.fstatSync(fd).isFile()) return undefined;
  } catch {
    return undefined;
  }
  // looked up at each call, so tests can stand in for the file system
  return {
    write: (buffer, offset, length) =>
      call<number>((done) => fs.write(fd, buffer, offset, length, null, done)).then(
        (bytesWritten) => ({ bytesWritten }),
      ),
    read: (buffer, offset, length, position) =>
      call<number>((done) => fs.read(fd, buffer, offset, length, position, done))
        .catch((error: NodeJS.ErrnoException) => {
          // `>>` opens stdout write-only: its file is read through a reading fd of its own
          if (error.code !== 'EBADF') throw error;
          return readAnew(fd, buffer, offset, length, position);
        })
        .then((bytesRead) => ({ bytesRead })),
    stat: () => call<fs.Stats>((done) => fs.fstat(fd, done)),
    truncate: (length) => call<void>((done) => fs.ftruncate(fd, length, done)),
    sync: () => call<void>((done) => fs.fsync(fd, done)),
  };
}

/**
 * Cuts a partial last line off stdout's file, noting it; a file that cannot be read back (a
 * write-only fd where `/dev/fd` does not exist) is noted and written on as it is.
 */
async function cutPartial(file: StdoutFile, note: (note: string) => void): Promise<void> {
  let cut: number;
  try {
    cut = await cutPartialLine(file);
  } catch (error) {
    note(`could not check stdout's last line for a partial one (${messageOf(error)})`);
    return;
  }
  if (cut > 0)
    note(
      `cut a partial last line (${cut} bytes) from stdout: it belonged to a batch that was never acknowledged`,
    );
}

/** Reads the file behind a write-only fd by opening it anew for reading (`/dev/fd/N`). */
async function readAnew(
  fd: number,
  buffer: Uint8Array,
  offset: number,
  length: number,
  position: number,
): Promise<number> {
  const reader = await fs.promises.open(`/dev/fd/${fd}`, 'r');
  try {
    return (await reader.read(buffer, offset, length, position)).bytesRead;
  } finally {
    await reader.close();
  }
}

/** A callback-style `fs` call as a promise of its first result. */
function call<T>(start: (done: (error: Error | null, result?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    start((error, result) => (error ? reject(error) : resolve(result as T)));
  });
}

/** Stdout as a regular file (see {@link stdout}). */
function fileOutput(file: StdoutFile, note: (note: string) => void): DestinationHandler {
  let started = false;
  let failed: DestinationError | undefined;
  const send = async (logs: LogEvent[]) => {
    if (failed) throw failed;
    try {
      if (!started) {
        started = true;
        await cutPartial(file, note);
      }
      await appendDurably(file, Buffer.from(ndjson(logs), 'utf8'));
    } catch (error) {
      const system = systemCode(error) ?? (error as NodeJS.ErrnoException | null)?.code;
      failed = new DestinationError(
        'stdout',
        system ?? 'stdout_write_failed',
        `Cannot write to stdout (a file): ${messageOf(error)}; the batch was cut back off it and the run stops here (run again, appending with >>, once the file can take it)`,
        { cause: error, permanent: true, ...(system === undefined ? {} : { systemCode: system }) },
      );
      throw failed;
    }
  };
  return destinationHandler('stdout', send, () => Promise.resolve());
}

/** A system error's own message (`ENOSPC: no space left on device, write`). */
function messageOf(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : errorMessage(error);
}
