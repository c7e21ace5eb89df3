import { promises as fs } from 'node:fs';
import path from 'node:path';
import { errorMessage } from '../errors';
import type { LogEvent } from '../types';
import type { Destination } from './destinations';

/** The part of `fs.promises.FileHandle` the file destination uses (tests inject their own). */
export interface WritableFile {
  write(buffer: Uint8Array, offset: number, length: number): Promise<{ bytesWritten: number }>;
  read(
    buffer: Uint8Array,
    offset: number,
    length: number,
    position: number,
  ): Promise<{ bytesRead: number }>;
  stat(): Promise<{ dev: number; ino: number; size: number }>;
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
 * NDJSON appended to a file. A batch is acknowledged only once every byte of it is written (short
 * writes are continued) and fsynced; a batch that fails half-way is cut back off the file, so the
 * next attempt never glues two logs on one line. On open, a partial last line (left by a crash or
 * a full disk: a batch that was never acknowledged) is cut back to the last newline. Before each
 * batch, when the file at the path is no longer the one open (renamed or removed and recreated, as
 * `logrotate` does) or after {@link FileDestination.reopen}, the path is opened anew.
 */
export async function fileDestination(
  file: string,
  options: FileDestinationOptions = {},
): Promise<FileDestination> {
  const open = options.open ?? openFile;
  const stat = options.stat ?? ((p: string) => fs.stat(p));
  const note = options.onNote ?? (() => undefined);
  const dir = path.dirname(path.resolve(file));
  await fs.mkdir(dir, { recursive: true });

  const openAndRepair = async (): Promise<WritableFile> => {
    const handle = await open(file);
    try {
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

  let handle = await openAndRepair();
  let reopenAsked = false;

  const rotated = async (): Promise<boolean> => {
    let onDisk: { dev: number; ino: number };
    try {
      onDisk = await stat(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
      throw error;
    }
    const open = await handle.stat();
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
        if (reopenAsked || (await rotated())) {
          const why = reopenAsked ? 'asked to reopen' : 'the file was rotated';
          reopenAsked = false;
          const old = handle;
          handle = await openAndRepair();
          await old.close().catch(() => undefined);
          note(`reopened ${file} (${why})`);
        }
        await appendDurably(handle, ndjson(logs));
      } catch (error) {
        throw new Error(`Cannot write to ${file}: ${describe(error)}`, { cause: error });
      }
    },
    close: () => handle.close(),
  };
}

/** Appends every byte, then fsyncs; on failure, cuts the file back to where the batch began. */
async function appendDurably(handle: WritableFile, data: Buffer): Promise<void> {
  const before = (await handle.stat()).size;
  try {
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

/** Makes a new file's name durable; best effort (some platforms cannot open a folder). */
async function syncFolder(dir: string): Promise<void> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(dir, 'r');
    await handle.sync();
  } catch {
    // the file itself is synced with every batch
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
