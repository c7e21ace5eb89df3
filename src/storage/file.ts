import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { StorageError, errorMessage } from '../errors';
import { integerOption, invalid } from '../options/check';
import { LIMITS } from '../options/limits';
import type { StorageContext, StorageLock, StoredState } from '../types';
import { syncFolder } from '../util/sync-folder';
import { realTarget } from './real-path';
import { UNWRITABLE_CODES } from '../util/writable';

/** Defaults of the state file's lock (see {@link FileStorageOptions}). */
export const FILE_LOCK_DEFAULTS = Object.freeze({
  /** A lock not refreshed for this long belongs to a dead run and is taken over. */
  staleMs: 10_000,
  /** How often a live run refreshes its lock (the lock folder's mtime). */
  updateMs: 5_000,
  /**
   * A holder notes its pid and host beside its lock within milliseconds of making it; a lock that
   * still has no note of its own after this many ms was left by a run that died between the two
   * (or while releasing it) and is taken over without waiting for `lockStaleMs`.
   */
  ownerGraceMs: 2_000,
});

/** Options of {@link FileStorage}. */
export interface FileStorageOptions {
  /**
   * File mode of the state file. It holds an access token, so only its owner should read it.
   * @default 0o600
   */
  mode?: number;
  /**
   * A lock (`<path>.lock`) not refreshed for this many ms was left by a run that died (SIGKILL,
   * power loss) and is taken over. At least 2000.
   * @default 10000
   */
  lockStaleMs?: number;
}

/**
 * A `StorageContext` over one JSON file. Writes replace the file atomically (temp file, fsync,
 * rename, fsync of the folder), so a crash leaves either the old or the new document.
 *
 * The file is reached by its real path ({@link realTarget}): a symbolic link to the state (or a
 * linked folder holding it) locks and writes the file it points at, so two names of one state
 * share one lock, and the link stays a link (a write replaces its target, not the link). The temp
 * file of a write is `.<name>.<pid>.<12 hex digits>.tmp` beside the real file, created with the
 * state's `mode` (0600) before anything is written to it; the ones a killed writer left behind are
 * removed when the lock is taken ({@link lock}). A missing
 * file reads as `undefined`; a corrupt or unreadable one rejects with a `StorageError` and is never
 * reset or overwritten behind the user's back.
 *
 * @example
 * const processor = new LogsProcessor(new FileStorage('.auth0-log-tools/state.json'), options);
 */
export class FileStorage implements StorageContext {
  /** Absolute real path of the state file (links followed, see {@link realTarget}). */
  readonly path: string;
  /** The path as given, absolute (a link's own name when the state was named through one). */
  readonly givenPath: string;
  /** Path of the lock (a folder made next to the state file while a run holds it). */
  readonly lockPath: string;
  private readonly mode: number;
  private readonly lockStaleMs: number;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(filePath: string, options: FileStorageOptions = {}) {
    if (typeof filePath !== 'string' || filePath.trim() === '')
      throw invalid('path', 'a non-empty string', filePath);
    const { fileMode } = LIMITS;
    const mode = options.mode ?? 0o600;
    if (!Number.isInteger(mode) || mode < fileMode.min || mode > fileMode.max)
      throw invalid('mode', `a file mode from 0 to 0o${fileMode.max.toString(8)}`, mode);
    const staleMs = integerOption(
      'lockStaleMs',
      options.lockStaleMs ?? undefined,
      FILE_LOCK_DEFAULTS.staleMs,
      LIMITS.lockStaleMs,
      { strict: true },
    );
    this.givenPath = path.resolve(filePath);
    this.path = realTarget(this.givenPath);
    this.lockPath = `${this.path}.lock`;
    this.mode = mode;
    this.lockStaleMs = staleMs;
  }

  /**
   * Takes the state file's lock for one run (`proper-lockfile`: a `<path>.lock` folder whose mtime
   * the holder refreshes every 5 s; one left unrefreshed for `lockStaleMs` is taken over). Rejects
   * at once with a `StorageError` of code `state_locked` when another run holds it, even in this
   * process. A lock whose holder was a process of this host that no longer runs (its pid and host
   * are kept in the lock) is taken over at once; a lock with no holder noted beside it after
   * `FILE_LOCK_DEFAULTS.ownerGraceMs` (its holder died between making it and noting itself) is
   * taken over too. The returned lock's `lost` aborts when the lock was taken over or could not be
   * refreshed.
   *
   * Once taken, the temp files of this state left by a writer that was killed mid-write (they may
   * hold the access token) are removed: every file named as this state's temp files are
   * (`.<name>.<pid>.<hex>.tmp`), whichever pid, since no other run writes while the lock is held.
   * Temp files of other states in the folder are left alone.
   */
  async lock(): Promise<StorageLock> {
    const lock = await this.lockOnce();
    await this.enqueue(() => this.removeStaleTemps());
    return lock;
  }

  private async lockOnce(): Promise<StorageLock> {
    try {
      return await this.takeLock();
    } catch (error) {
      if ((error as { code?: string }).code !== 'state_locked') throw error;
      let holder = await this.lockHolder();
      if (holder.state === 'none') {
        // its holder notes itself within ms of making it; give a live one the time to do so
        await new Promise((resolve) => setTimeout(resolve, FILE_LOCK_DEFAULTS.ownerGraceMs));
        const again = await this.lockHolder();
        holder = again.state === 'none' && again.ino !== holder.ino ? { state: 'live' } : again;
      }
      if (holder.state === 'gone') return this.takeLock();
      if (holder.state === 'live') throw error;
      // a run that died (SIGKILL, OOM) is not waited for until its lock is stale: on this machine
      // when its pid no longer runs, anywhere when it never noted itself
      const long = new Date(Date.now() - 10 * this.lockStaleMs);
      await fs.utimes(this.lockPath, long, long).catch(() => undefined);
      return this.takeLock();
    }
  }

  private async takeLock(): Promise<StorageLock> {
    const controller = new AbortController();
    let release: () => Promise<void>;
    try {
      await fs.mkdir(path.dirname(this.path), { recursive: true, mode: 0o700 });
      release = await lockfile.lock(this.path, {
        realpath: false,
        lockfilePath: this.lockPath,
        stale: this.lockStaleMs,
        update: Math.min(FILE_LOCK_DEFAULTS.updateMs, Math.floor(this.lockStaleMs / 2)),
        retries: 0,
        onCompromised: (error) => {
          controller.abort(
            new StorageError(
              'state_lock_lost',
              `The lock of the state file ${this.path} was lost (${errorMessage(error)}); another run may be using it`,
            ),
          );
        },
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ELOCKED') {
        throw new StorageError(
          'state_locked',
          `The state file ${this.named()} is in use by another run (lock ${this.lockPath}). Only one run at a time may use a state: wait for the other to finish, or pass another state. The lock of a run that died is taken over at once on this machine, after ${this.lockStaleMs / 1000} s from another.`,
        );
      }
      throw this.failure('state_lock_failed', 'Cannot lock the state file', error);
    }
    // who holds it (beside it: proper-lockfile removes an empty folder), so that a run on this
    // host can tell when the holder died; the folder's inode ties the note to this very lock
    // (a lock without a note is taken over by the next run after ownerGraceMs, so a lock that
    // cannot be noted is not kept)
    const ownerFile = `${this.lockPath}.owner`;
    try {
      const { ino } = await fs.stat(this.lockPath);
      await fs.writeFile(ownerFile, JSON.stringify({ ...lockOwner(), ino }));
    } catch (error) {
      await release().catch(() => undefined);
      throw this.failure('state_lock_failed', 'Cannot note the holder of the lock of', error);
    }
    let released = false;
    return {
      lost: controller.signal,
      release: async () => {
        if (released) return;
        released = true;
        // a lost lock (and the note beside it) is no longer ours to remove
        if (controller.signal.aborted) return;
        await fs.rm(ownerFile, { force: true }).catch(() => undefined);
        await release().catch(() => undefined);
      },
    };
  }

  /** Reads the stored document; resolves `undefined` when the file does not exist yet. */
  read(): Promise<StoredState | undefined> {
    return this.enqueue(() => this.load());
  }

  /** Replaces the stored document. Calls are applied one at a time, in call order. */
  write(data: StoredState): Promise<void> {
    let text: string;
    try {
      text = `${JSON.stringify(data, null, 2)}\n`;
    } catch (error) {
      return Promise.reject(
        this.failure('storage_unwritable', 'Cannot serialise the state', error),
      );
    }
    return this.enqueue(() => this.replace(text));
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const result = this.queue.then(task);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async load(): Promise<StoredState | undefined> {
    let text: string;
    try {
      text = await fs.readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw this.failure('storage_unreadable', 'Cannot read the state file', error);
    }
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (error) {
      throw this.corrupt(`it is not valid JSON (${errorMessage(error)})`, error);
    }
    if (typeof data !== 'object' || data === null || Array.isArray(data)) {
      throw this.corrupt('it does not hold a JSON object');
    }
    return data as StoredState;
  }

  /** The state's name in messages: its path, and the real one when it was named through a link. */
  private named(): string {
    return this.givenPath === this.path ? this.path : `${this.givenPath} (${this.path})`;
  }

  /** Removes this state's temp files left by killed writers (see {@link lock}). */
  private async removeStaleTemps(): Promise<void> {
    const dir = path.dirname(this.path);
    const name = path.basename(this.path).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const pattern = new RegExp(`^\\.${name}\\.\\d+\\.[0-9a-f]{12}\\.tmp$`);
    let entries: string[];
    try {
      entries = await fs.readdir(dir);
    } catch {
      return; // no folder yet, or not ours to list: nothing of ours is there
    }
    for (const entry of entries.filter((e) => pattern.test(e))) {
      const temp = path.join(dir, entry);
      try {
        if ((await fs.lstat(temp)).isFile()) await fs.rm(temp, { force: true });
      } catch {
        // best effort: a temp that cannot be removed now is tried again by the next run
      }
    }
  }

  private async replace(text: string): Promise<void> {
    const dir = path.dirname(this.path);
    const temp = path.join(dir, tempName(path.basename(this.path)));
    let handle: fs.FileHandle | undefined;
    try {
      await fs.mkdir(dir, { recursive: true, mode: 0o700 });
      handle = await fs.open(temp, 'wx', this.mode);
      await handle.chmod(this.mode); // the open mode is filtered by the umask
      await handle.writeFile(text, 'utf8');
      await handle.sync();
      await handle.close();
      handle = undefined;
      await fs.rename(temp, this.path);
    } catch (error) {
      await handle?.close().catch(() => undefined);
      await fs.rm(temp, { force: true }).catch(() => undefined);
      throw this.failure('storage_unwritable', 'Cannot write the state file', error);
    }
    await syncFolder(dir);
  }

  /**
   * Who holds the lock: `dead` (a process of this host that no longer runs), `live` (a running
   * process, or one of another host), `none` (no note of its own: made or released by a holder
   * that has not noted itself yet, or died before it could), `gone` (the lock no longer exists).
   */
  private async lockHolder(): Promise<{ state: 'dead' | 'live' | 'none' | 'gone'; ino?: number }> {
    let ino: number;
    try {
      ino = (await fs.stat(this.lockPath)).ino;
    } catch (error) {
      return { state: (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'gone' : 'live' };
    }
    let owner: { pid?: unknown; hostname?: unknown; ino?: unknown };
    try {
      owner = JSON.parse(await fs.readFile(`${this.lockPath}.owner`, 'utf8'));
    } catch (error) {
      // an unreadable or half-written note is no note; one that cannot be read at all is not ours to judge
      const code = (error as NodeJS.ErrnoException).code;
      return { state: code === undefined || code === 'ENOENT' ? 'none' : 'live', ino };
    }
    if (owner.ino !== ino) return { state: 'none', ino }; // a note left by an earlier holder
    if (owner.hostname !== os.hostname() || typeof owner.pid !== 'number')
      return { state: 'live', ino };
    if (owner.pid === process.pid) return { state: 'live', ino };
    try {
      process.kill(owner.pid, 0);
      return { state: 'live', ino };
    } catch (error) {
      return { state: (error as NodeJS.ErrnoException).code === 'ESRCH' ? 'dead' : 'live', ino };
    }
  }

  private corrupt(reason: string, cause?: unknown): StorageError {
    return new StorageError(
      'storage_corrupt',
      `The state file ${this.path} is corrupt: ${reason}. It was left untouched; fix it, or move it away to start over from the beginning.`,
      cause === undefined ? {} : { cause },
    );
  }

  private failure(code: string, what: string, cause: unknown): StorageError {
    const systemCode = (cause as NodeJS.ErrnoException).code;
    const reason = systemCode ?? errorMessage(cause);
    // a folder this user may not write in: name it and the fix, not only the code
    const fix =
      systemCode !== undefined && UNWRITABLE_CODES.has(systemCode)
        ? `; this user cannot write in the folder ${path.dirname(path.resolve(this.path))}: give it write access (chown or chmod), or keep the state in a folder it can write`
        : '';
    return new StorageError(code, `${what} ${this.path}: ${reason}${fix}`, { cause });
  }
}

/** `.<name>.<pid>.<12 hex digits>.tmp`: a write's temp file (see {@link FileStorage}). */
function tempName(name: string): string {
  return `.${name}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
}

function lockOwner(): { pid: number; hostname: string } {
  return { pid: process.pid, hostname: os.hostname() };
}
