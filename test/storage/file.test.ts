import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ArgumentError, StorageError } from '../../src/errors';
import { FileStorage } from '../../src/storage/file';
import type { StoredState } from '../../src/types';

let dir: string;

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'file-storage-'));
});

afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const state = (checkpointId: string): StoredState => ({
  checkpointId,
  startFrom: null,
  logs_access_token: { token: 'token-value', expiresAt: 1 },
  logs: [{ startCheckpoint: null, start: '2024-01-01T00:00:00.000Z', end: null, logsProcessed: 3 }],
});

describe('FileStorage', () => {
  it('resolves undefined when the file does not exist', async () => {
    await expect(new FileStorage(path.join(dir, 'missing.json')).read()).resolves.toBeUndefined();
  });

  it('round-trips a document and creates the parent folders with mode 0700', async () => {
    const file = path.join(dir, 'a', 'b', 'state.json');
    const storage = new FileStorage(file);
    await storage.write(state('900'));
    expect(await storage.read()).toEqual(state('900'));
    expect(await new FileStorage(file).read()).toEqual(state('900'));
    expect((await fs.stat(path.join(dir, 'a', 'b'))).mode & 0o777).toBe(0o700);
    expect(storage.path).toBe(path.resolve(file));
  });

  it('writes the file with mode 0600, or the given mode', async () => {
    const file = path.join(dir, 'state.json');
    await new FileStorage(file).write(state('1'));
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
    await new FileStorage(file, { mode: 0o640 }).write(state('2'));
    expect((await fs.stat(file)).mode & 0o777).toBe(0o640);
  });

  it('rejects a corrupt file with storage_corrupt, naming the path, and leaves it untouched', async () => {
    const file = path.join(dir, 'state.json');
    for (const content of ['{"checkpointId": "9', '[1, 2]', 'null', '']) {
      await fs.writeFile(file, content);
      const error: unknown = await new FileStorage(file).read().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StorageError);
      expect(error).toMatchObject({ code: 'storage_corrupt' });
      expect((error as Error).message).toContain(file);
      expect(await fs.readFile(file, 'utf8')).toBe(content);
    }
  });

  it('rejects an unreadable path with storage_unreadable', async () => {
    const file = path.join(dir, 'state.json');
    await fs.mkdir(file);
    await expect(new FileStorage(file).read()).rejects.toMatchObject({
      name: 'StorageError',
      code: 'storage_unreadable',
      message: expect.stringContaining(file),
    });
  });

  it('rejects a failed write with storage_unwritable and leaves no temp file', async () => {
    const blocker = path.join(dir, 'file');
    await fs.writeFile(blocker, 'x');
    const storage = new FileStorage(path.join(blocker, 'state.json'));
    await expect(storage.write(state('1'))).rejects.toMatchObject({
      code: 'storage_unwritable',
    });
    const target = path.join(dir, 'state.json');
    await fs.mkdir(target);
    await expect(new FileStorage(target).write(state('1'))).rejects.toMatchObject({
      code: 'storage_unwritable',
      message: expect.stringContaining(target),
    });
    expect((await fs.readdir(dir)).sort()).toEqual(['file', 'state.json']);
  });

  it('rejects a document that cannot be serialised without touching the file', async () => {
    const file = path.join(dir, 'state.json');
    const storage = new FileStorage(file);
    await storage.write(state('1'));
    const circular: StoredState = {};
    circular.self = circular;
    await expect(storage.write(circular)).rejects.toMatchObject({ code: 'storage_unwritable' });
    expect(await storage.read()).toEqual(state('1'));
  });

  it('serialises concurrent writes: the last write wins, no torn file, no temp files', async () => {
    const file = path.join(dir, 'state.json');
    const storage = new FileStorage(file);
    const writes = Array.from({ length: 25 }, (_, i) => storage.write(state(String(i))));
    const read = storage.read();
    await Promise.all(writes);
    expect(await read).toEqual(state('24'));
    expect(JSON.parse(await fs.readFile(file, 'utf8'))).toEqual(state('24'));
    expect(await fs.readdir(dir)).toEqual(['state.json']);
  });

  it('keeps serving writes after one failed', async () => {
    const file = path.join(dir, 'state.json');
    const storage = new FileStorage(file);
    const circular: StoredState = {};
    circular.self = circular;
    const results = await Promise.allSettled([
      storage.write(state('1')),
      storage.write(circular),
      storage.write(state('3')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await storage.read()).toEqual(state('3'));
  });

  it('validates its arguments', () => {
    expect(() => new FileStorage('')).toThrow(ArgumentError);
    expect(() => new FileStorage(path.join(dir, 'x'), { mode: 0o1000 })).toThrow(/`mode`/);
  });
});

describe('FileStorage lock', () => {
  it('is exclusive, even within one process, and released for the next holder', async () => {
    const file = path.join(dir, 'nested', 'state.json');
    const first = await new FileStorage(file).lock();
    await expect(new FileStorage(file).lock()).rejects.toMatchObject({
      name: 'StorageError',
      code: 'state_locked',
      message: expect.stringContaining(`is in use by another run (lock ${file}.lock)`),
    });
    expect(first.lost.aborted).toBe(false);
    await first.release();
    await first.release(); // twice is harmless
    const second = await new FileStorage(file).lock();
    await second.release();
  });

  it('takes over a stale lock (not refreshed for lockStaleMs), but not a fresh one', async () => {
    const file = path.join(dir, 'state.json');
    await fs.mkdir(`${file}.lock`); // held by a live run on another host, which noted itself
    const { ino } = await fs.stat(`${file}.lock`);
    await fs.writeFile(
      `${file}.lock.owner`,
      JSON.stringify({ pid: process.pid, hostname: 'another-host', ino }),
    );
    const storage = new FileStorage(file, { lockStaleMs: 5000 });
    await expect(storage.lock()).rejects.toMatchObject({ code: 'state_locked' });
    const old = new Date(Date.now() - 60_000);
    await fs.utimes(`${file}.lock`, old, old);
    const lock = await storage.lock();
    await lock.release();
  });

  it('takes over a lock whose holder died before noting itself (SIGKILL after mkdir)', async () => {
    const file = path.join(dir, 'state.json');
    await fs.mkdir(`${file}.lock`); // fresh, and no note beside it: its maker never got further
    const storage = new FileStorage(file); // lockStaleMs 10 s: not waited for
    const lock = await storage.lock();
    expect(lock.lost.aborted).toBe(false);
    const note = JSON.parse(await fs.readFile(`${file}.lock.owner`, 'utf8')) as { pid: number };
    expect(note.pid).toBe(process.pid);
    await expect(new FileStorage(file).lock()).rejects.toMatchObject({ code: 'state_locked' });
    await lock.release();
    await expect(fs.stat(`${file}.lock`)).rejects.toMatchObject({ code: 'ENOENT' });
  }, 20_000);

  it('takes over a lock whose only note was left by an earlier holder (another inode)', async () => {
    const file = path.join(dir, 'state.json');
    await fs.mkdir(`${file}.lock`);
    const { ino } = await fs.stat(`${file}.lock`);
    await fs.writeFile(
      `${file}.lock.owner`,
      JSON.stringify({ pid: process.ppid, hostname: os.hostname(), ino: ino + 1 }),
    );
    const lock = await new FileStorage(file).lock();
    const note = JSON.parse(await fs.readFile(`${file}.lock.owner`, 'utf8')) as { pid: number };
    expect(note.pid).toBe(process.pid);
    await lock.release();
  }, 20_000);

  it('leaves the lock to a holder that notes itself within the grace', async () => {
    const file = path.join(dir, 'state.json');
    await fs.mkdir(`${file}.lock`);
    const { ino } = await fs.stat(`${file}.lock`);
    const attempt = new FileStorage(file).lock();
    // the maker notes itself (a live process of this host) while the contender waits
    await fs.writeFile(
      `${file}.lock.owner`,
      JSON.stringify({ pid: process.ppid, hostname: os.hostname(), ino }),
    );
    await expect(attempt).rejects.toMatchObject({ code: 'state_locked' });
  }, 20_000);

  it('waits for a live holder on this host, and takes over from a dead one at once', async () => {
    const file = path.join(dir, 'state.json');
    const held = await new FileStorage(file).lock();
    const note = JSON.parse(await fs.readFile(`${file}.lock.owner`, 'utf8')) as { pid: number };
    expect(note.pid).toBe(process.pid);
    // a live process of this host (not this one) holds it
    const { ino } = await fs.stat(`${file}.lock`);
    const owner = (pid: number) =>
      fs.writeFile(`${file}.lock.owner`, JSON.stringify({ pid, hostname: os.hostname(), ino }));
    await owner(process.ppid);
    await expect(new FileStorage(file).lock()).rejects.toMatchObject({ code: 'state_locked' });
    // its holder died
    await owner(2 ** 22 + 7); // above Linux's pid_max: no such process
    const taken = await new FileStorage(file).lock();
    expect(taken.lost.aborted).toBe(false);
    await taken.release();
    await held.release(); // no longer its lock: nothing to remove
  });

  it('rejects a lockStaleMs below 2000, naming it', () => {
    expect(() => new FileStorage(path.join(dir, 's.json'), { lockStaleMs: 100 })).toThrow(
      /Expected `lockStaleMs` to be an integer of at least 2000, got 100/,
    );
  });
});
