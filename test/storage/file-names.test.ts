import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileStorage } from '../../src/storage/file';
import { realTarget } from '../../src/storage/real-path';
import type { StorageLock, StoredState } from '../../src/types';

let dir: string;
const held: StorageLock[] = [];

beforeEach(async () => {
  // the temp folder itself may be reached through a link (macOS /var): compare real paths
  dir = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'file-names-')));
});

afterEach(async () => {
  await Promise.all(held.splice(0).map((lock) => lock.release()));
  await fs.rm(dir, { recursive: true, force: true });
});

const doc = (checkpointId: string): StoredState => ({ checkpointId, logs: [] });
const id = (n: number) => n.toString().padStart(56, '0');

async function lock(storage: FileStorage): Promise<StorageLock> {
  const taken = await storage.lock();
  held.push(taken);
  return taken;
}

describe('FileStorage: one lock name for one state (issue 19, input 3)', () => {
  it('a link to the state shares its lock, and a write through the link keeps the link', async () => {
    const real = path.join(dir, 's.json');
    const link = path.join(dir, 'link.json');
    await fs.writeFile(real, `${JSON.stringify(doc(id(1)))}\n`);
    await fs.symlink('s.json', link);

    const viaLink = new FileStorage(link);
    expect(viaLink.path).toBe(real);
    expect(viaLink.lockPath).toBe(`${real}.lock`);
    await lock(new FileStorage(real));
    // before: both took a lock (s.json.lock and link.json.lock) and shipped the same logs
    await expect(viaLink.lock()).rejects.toMatchObject({
      code: 'state_locked',
      message: expect.stringContaining(`${link} (${real}) is in use by another run`),
    });

    await Promise.all(held.splice(0).map((l) => l.release()));
    await lock(viaLink);
    await viaLink.write(doc(id(2)));
    // before: the write renamed its temp file over the link, leaving two diverging files
    expect((await fs.lstat(link)).isSymbolicLink()).toBe(true);
    expect(await fs.readlink(link)).toBe('s.json');
    expect(JSON.parse(await fs.readFile(real, 'utf8'))).toMatchObject({ checkpointId: id(2) });
  });

  it('a link whose target does not exist yet locks and creates the target', async () => {
    const real = path.join(dir, 'state', 'new.json');
    const link = path.join(dir, 'link.json');
    await fs.mkdir(path.dirname(real));
    await fs.symlink(real, link);
    const viaLink = new FileStorage(link);
    expect(viaLink.path).toBe(real);
    await lock(viaLink);
    await expect(new FileStorage(real).lock()).rejects.toMatchObject({ code: 'state_locked' });
    await viaLink.write(doc(id(3)));
    expect((await fs.lstat(link)).isSymbolicLink()).toBe(true);
    expect(JSON.parse(await fs.readFile(real, 'utf8'))).toMatchObject({ checkpointId: id(3) });
  });

  it('a state in a linked folder is the state in the real folder', async () => {
    const realDir = path.join(dir, 'real');
    await fs.mkdir(realDir);
    await fs.symlink(realDir, path.join(dir, 'linked'));
    const named = path.join(dir, 'linked', 'not-yet.json');
    expect(realTarget(named)).toBe(path.join(realDir, 'not-yet.json'));
    await lock(new FileStorage(named));
    await expect(new FileStorage(path.join(realDir, 'not-yet.json')).lock()).rejects.toMatchObject({
      code: 'state_locked',
    });
  });

  it('a loop of links is kept as given (no hang)', async () => {
    await fs.symlink('b', path.join(dir, 'a'));
    await fs.symlink('a', path.join(dir, 'b'));
    expect(realTarget(path.join(dir, 'a'))).toBe(path.join(dir, 'a'));
  });
});

describe('FileStorage: stale temp files (issue 19, input 8)', () => {
  it('taking the lock removes the temp files a killed writer left of this state, only those', async () => {
    const state = path.join(dir, 'state.json');
    await fs.writeFile(state, `${JSON.stringify(doc(id(1)))}\n`);
    const token = '{"logs_access_token":{"token":"eyJ-left-by-a-killed-writer"}}';
    const ours = [
      '.state.json.4242.0123456789ab.tmp',
      `.state.json.${process.pid}.abcdef012345.tmp`,
      '.state.json.1.ffffffffffff.tmp',
    ];
    const others = [
      '.other.json.4242.0123456789ab.tmp', // another state's
      '.state.json.backup.tmp', // not the writer's name
      'state.json.4242.0123456789ab.tmp',
      '.state.json.4242.0123456789ab.tmp.keep',
    ];
    for (const name of [...ours, ...others]) await fs.writeFile(path.join(dir, name), token);

    const storage = new FileStorage(state);
    await lock(storage);
    const left = (await fs.readdir(dir)).filter(
      (name) => name.endsWith('tmp') || name.endsWith('keep'),
    );
    // before: all 7 were kept, 3 of them holding this state's token
    expect(left.sort()).toEqual([...others].sort());
    expect(await storage.read()).toMatchObject({ checkpointId: id(1) });
  });

  it("a write's temp file is the state's mode from its creation, and none is left after", async () => {
    const state = path.join(dir, 'state.json');
    const storage = new FileStorage(state);
    const opened: number[] = [];
    const open = fs.open;
    const spy = jest.spyOn(fs, 'open').mockImplementation(async (file, flags, mode) => {
      if (String(file).endsWith('.tmp')) opened.push(Number(mode));
      return open(file, flags, mode);
    });
    try {
      await storage.write(doc(id(4)));
    } finally {
      spy.mockRestore();
    }
    expect(opened).toEqual([0o600]);
    expect((await fs.readdir(dir)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });
});
