import { promises as fs } from 'node:fs';
import path from 'node:path';
import { errorMessage } from '../errors';
import type { LogEvent } from '../types';
import type { Destination } from './destinations';
import { syncFolder } from '../util/sync-folder';

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

/** Options of {@link fileDestination}: how the file is reached, swappable for tests. */
export interface FileDestinationOptions {
  /** Opens (creating with mode 0600) the file for reading and appending. @default fs.open(file, 'a+', 0o600) */
  open?: (file: string) => Promise<WritableFile>;
  /** `stat` of the path, to notice a rotated file. @default fs.stat */
  stat?: (file: string) => Promise<{ dev: number; ino: number }>;
  /** Called with a note for the user (a cut partial line, a reopened file). */
  onNote?: (note: string) => void;
}

/** A file destination: a {@link Destination} that can be told to reopen its file (SIGHUP). */
export interface FileDestination extends Destination {
  /** Reopens the file before the next batch (after `logrotate` or on SIGHUP). */
  reopen(): void;
}

const openFile = (file: string): Promise<WritableFile> => fs.open(file, 'a+', 0o600);

function ndjson(logs: LogEvent[]): Buffer {
  return Buffer.from(logs.map((log) => `${JSON.stringify(log)}\n`).join(''), 'utf8');
}

/**
 * Codes of a local write error that trying again cannot fix (a folder, no permission, a read-only
 * file system, a device that takes no fsync, a pipe without a reader): the error is marked
 * `permanent: true`, so neither the processor nor `--follow` retries it.
 */
export const PERMANENT_WRITE_CODES: ReadonlySet<string> = new Set([
  'EACCES',
  'EPERM',
  'EROFS',
  'EISDIR',
  'ENOTDIR',
  'ENOENT',
  'EINVAL',
  'EBADF',
  'ENXIO',
  'ENODEV',
  'EPIPE',
  'ELOOP',
  'ENAMETOOLONG',
]);

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
 * cannot fix ({@link PERMANENT_WRITE_CODES}) is marked `permanent: true`.
 */
export async function fileDestination(
  file: string,
  options: FileDestinationOptions = {},
): Promise<FileDestination> {
  const open = options.open ?? openFile;
  const stat = options.stat ?? ((p: string) => fs.stat(p));
  const note = options.onNote ?? (() => undefined);
  const dir = path.dirname(path.resolve(file));
  // refuse a folder at once (nothing is created): the other failures surface on the first write
  const found = await fs.stat(file).catch(() => undefined);
  if (found?.isDirectory())
    throw Object.assign(new Error(`${file} is a folder`), { code: 'EISDIR' });

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

  return {
    label: file,
    usesStdout: false,
    reopen() {
      reopenAsked = true;
    },
    async send(logs) {
      if (!logs.length) return;
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
        await (regular ? appendDurably(handle, ndjson(logs)) : appendAll(handle, ndjson(logs)));
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        throw Object.assign(
          new Error(`Cannot write to ${file}: ${describe(error)}`, { cause: error }),
          code !== undefined && PERMANENT_WRITE_CODES.has(code) ? { code, permanent: true } : {},
        );
      }
    },
    close: () => handle?.close() ?? Promise.resolve(),
  };
}

/** Writes every byte (continuing short writes). */
async function appendAll(handle: WritableFile, data: Buffer): Promise<void> {
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
async function appendDurably(handle: WritableFile, data: Buffer): Promise<void> {
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
export async function cutPartialLine(handle: WritableFile): Promise<number> {
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
