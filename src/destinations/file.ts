import { promises as fs, statSync } from 'node:fs';
import path from 'node:path';
import { errorMessage } from '../errors';
import type { LogEvent } from '../types';
import { syncFolder } from '../util/sync-folder';
import { isPermanentWriteCode, systemCode } from '../util/system-codes';
import { DestinationError } from './errors';
import { type DestinationHandler, destinationHandler, ndjson } from './handler';

/** The part of `fs.promises.FileHandle` the file destination uses (tests inject their own). */
export interface WritableFile {
  write(buffer: Uint8Array, offset: number, length: number): Promise<{ bytesWritten: number }>;
  read(
    buffer: Uint8Array,
    offset: number,
    length: number,
    position: number,
  ): Promise<{ bytesRead: number }>;
  /** `isFile` absent: taken for a regular file. */
  stat(): Promise<{ dev: number; ino: number; size: number; isFile?: () => boolean }>;
  truncate(length: number): Promise<void>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

/** Options of {@link file}: the path, and how the file is reached (swappable for tests). */
export interface FileOptions {
  /** The file to append to; its folder must exist. */
  path: string;
  /** Opens (creating with mode 0600) the file for reading and appending. @default fs.open(file, 'a+', 0o600) */
  open?: (file: string) => Promise<WritableFile>;
  /** `stat` of the path, to notice a rotated file. @default fs.stat */
  stat?: (file: string) => Promise<{ dev: number; ino: number }>;
  /** Called with a note for the user (a cut partial line, a reopened file). */
  onNote?: (note: string) => void;
}

/** The file destination's handler: a {@link DestinationHandler} that can reopen its file. */
export interface FileHandler extends DestinationHandler {
  /** Reopens the file before the next batch (after `logrotate` or on SIGHUP). */
  reopen(): void;
}

const openFile = (file: string): Promise<WritableFile> => fs.open(file, 'a+', 0o600);

/**
 * NDJSON appended to a file. A batch is acknowledged only once every byte of it is written (short
 * writes are continued) and fsynced; a batch that fails half-way is cut back off the file, so the
 * next attempt never glues two logs on one line. On open, a partial last line (left by a crash or
 * a full disk: a batch that was never acknowledged) is cut back to the last newline. Before each
 * batch, when the file at the path is no longer the one open (renamed or removed and recreated, as
 * `logrotate` does) or after {@link FileDestination.reopen}, the path is opened anew.
 *
 * The file is opened (and created) only when the first logs arrive, so a run that fails before
 * (a refused state, bad credentials) leaves no file behind. Its folder must exist (never created).
 * A character device, pipe or socket (`/dev/null`, `/dev/stdout` into a pipe) takes no fsync, no
 * partial-line cut and no rotation check: those need a regular file. A write error that retrying
 * cannot fix (`PERMANENT_WRITE_CODES` of `util/system-codes.ts`) is marked `permanent: true`.
 *
 * The handler's `destination` is the path. Every failure is a {@link DestinationError} of
 * destination `file`, its `code` and `systemCode` the system code (`ENOSPC`, `EACCES`).
 * @throws DestinationError `EISDIR` (permanent) at once when the path is a folder
 */
export function file(options: FileOptions): FileHandler {
  const file = options.path;
  const open = options.open ?? openFile;
  const stat = options.stat ?? ((p: string) => fs.stat(p));
  const note = options.onNote ?? (() => undefined);
  const dir = path.dirname(path.resolve(file));
  // refuse a folder at once (nothing is created): the other failures surface on the first write
  let found: { isDirectory(): boolean } | undefined;
  try {
    found = statSync(file);
  } catch {
    found = undefined;
  }
  if (found?.isDirectory()) {
    throw new DestinationError('file', 'EISDIR', `${file} is a folder`, {
      permanent: true,
      systemCode: 'EISDIR',
    });
  }

  /** Whether the open file is a regular one (fsync, truncate, rotation make sense). */
  let regular = true;
  const openAndRepair = async (): Promise<WritableFile> => {
    const handle = await open(file);
    try {
      const stats = await handle.stat();
      regular = stats.isFile?.() ?? true;
      if (!regular) return handle;
      const cut = await cutPartialLine(handle);
      if (cut > 0) {
        note(
          `cut a partial last line (${cut} bytes) from ${file}: it belonged to a batch that was never acknowledged`,
        );
      }
      await syncFolder(dir);
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw error;
    }
    return handle;
  };

  let handle: WritableFile | undefined;
  let reopenAsked = false;

  const rotated = async (current: WritableFile): Promise<boolean> => {
    if (!regular) return false;
    let onDisk: { dev: number; ino: number };
    try {
      onDisk = await stat(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
      throw error;
    }
    const open = await current.stat();
    return onDisk.dev !== open.dev || onDisk.ino !== open.ino;
  };

  const send = async (logs: LogEvent[]) => {
    try {
      if (handle === undefined) {
        reopenAsked = false;
        handle = await openAndRepair();
      } else if (reopenAsked || (await rotated(handle))) {
        const why = reopenAsked ? 'asked to reopen' : 'the file was rotated';
        reopenAsked = false;
        const old = handle;
        handle = await openAndRepair();
        await old.close().catch(() => undefined);
        note(`reopened ${file} (${why})`);
      }
      const data = Buffer.from(ndjson(logs), 'utf8');
      await (regular ? appendDurably(handle, data) : appendAll(handle, data));
    } catch (error) {
      throw writeError(file, error);
    }
  };
  const handler = destinationHandler(file, send, () => handle?.close() ?? Promise.resolve());
  return Object.assign(handler, {
    reopen() {
      reopenAsked = true;
    },
  });
}

/** A failed write as a {@link DestinationError}, permanent when retrying cannot fix its code. */
function writeError(file: string, error: unknown): DestinationError {
  const own = (error as NodeJS.ErrnoException | null)?.code;
  const code = typeof own === 'string' ? own : systemCode(error);
  return new DestinationError(
    'file',
    code ?? 'file_write_failed',
    `Cannot write to ${file}: ${describe(error)}`,
    {
      cause: error,
      permanent: isPermanentWriteCode(code),
      ...(code === undefined ? {} : { systemCode: code }),
    },
  );
}

/** Writes every byte (continuing short writes). */
async function appendAll(handle: Omit<WritableFile, 'close'>, data: Buffer): Promise<void> {
  let offset = 0;
  while (offset < data.length) {
    const { bytesWritten } = await handle.write(data, offset, data.length - offset);
    if (!(bytesWritten > 0)) {
      throw Object.assign(new Error('the file took no bytes (no space left?)'), {
        code: 'ENOSPC',
      });
    }
    offset += bytesWritten;
  }
}

/** Appends every byte, then fsyncs; on failure, cuts the file back to where the batch began. */
export async function appendDurably(
  handle: Omit<WritableFile, 'close'>,
  data: Buffer,
): Promise<void> {
  const before = (await handle.stat()).size;
  try {
    await appendAll(handle, data);
    await handle.sync();
  } catch (error) {
    await handle
      .truncate(before)
      .then(() => handle.sync())
      .catch(() => undefined);
    throw error;
  }
}

/** Cuts the file back to just after its last newline; resolves how many bytes were cut. */
export async function cutPartialLine(handle: Omit<WritableFile, 'close'>): Promise<number> {
  const { size } = await handle.stat();
  const chunk = Buffer.alloc(64 * 1024);
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - chunk.length);
    const { bytesRead } = await handle.read(chunk, 0, end - start, start);
    const newline = chunk.subarray(0, bytesRead).lastIndexOf(0x0a);
    if (newline >= 0) {
      end = start + newline + 1;
      break;
    }
    end = start;
  }
  if (end === size) return 0;
  await handle.truncate(end);
  await handle.sync();
  return size - end;
}

function describe(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  const own = (error as { message?: unknown } | null)?.message;
  const message = typeof own === 'string' ? own : errorMessage(error);
  return code && !message.includes(code) ? `${code} (${message})` : message;
}
