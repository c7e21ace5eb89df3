import { execFileSync } from 'node:child_process';
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { isPermanentError } from '../../src/errors';
import { file as fileDestination, type WritableFile } from '../../src/destinations/file';
import type { LogEvent } from '../../src/types';
import { tempDir } from '../support/cli';

let dir: string;
let file: string;

beforeEach(async () => {
  dir = await tempDir();
  file = path.join(dir, 'logs.ndjson');
});

afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const log = (i: number): LogEvent => ({
  log_id: `900${String(i).padStart(53, '0')}`,
  date: '2024-05-01T10:00:00.000Z',
  type: 's',
  description: `log ${i} ${'x'.repeat(i % 50)}`,
});
const logs = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => log(from + i));
const lines = async () => (await fs.readFile(file, 'utf8')).split('\n');
/** Every line of the file parsed: throws on a fragment or two logs glued together. */
const ids = async () => {
  const all = await lines();
  expect(all.pop()).toBe(''); // the file ends with a newline
  return all.map((line) => Number((JSON.parse(line) as LogEvent).log_id?.slice(3)));
};

/**
 * A real file handle that takes at most `chunk` bytes per write, and fails with ENOSPC once
 * `budget.bytes` is spent (a small disk whose free space the test controls).
 */
function shortWrites(chunk: number, budget = { bytes: Infinity }) {
  const calls = { writes: 0, syncs: 0, opens: 0 };
  const open = async (p: string): Promise<WritableFile> => {
    calls.opens += 1;
    const handle = await fs.open(p, 'a+', 0o600);
    return {
      write: async (buffer, offset, length) => {
        calls.writes += 1;
        const take = Math.min(chunk, length, budget.bytes);
        if (take <= 0)
          throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
        budget.bytes -= take;
        return handle.write(buffer, offset, take);
      },
      read: (buffer, offset, length, position) => handle.read(buffer, offset, length, position),
      stat: () => handle.stat(),
      truncate: async (length) => {
        const before = (await handle.stat()).size;
        await handle.truncate(length);
        budget.bytes += before - length;
      },
      sync: async () => {
        calls.syncs += 1;
        await handle.sync();
      },
      close: () => handle.close(),
    };
  };
  return { open, calls, budget };
}

describe('fileDestination', () => {
  it('writes every byte when the file takes only 7 bytes per write, then fsyncs', async () => {
    const fake = shortWrites(7);
    const out = fileDestination({ path: file, open: fake.open });
    await out(logs(0, 30));
    await out(logs(30, 60));
    await out.close();
    expect(await ids()).toEqual(Array.from({ length: 60 }, (_, i) => i));
    expect(fake.calls.writes).toBeGreaterThan(60);
    expect(fake.calls.syncs).toBeGreaterThanOrEqual(2);
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
  });

  it('on a full disk, rejects the batch and cuts it back off: no fragment, no glued lines', async () => {
    const fake = shortWrites(1000, { bytes: 5000 });
    const out = fileDestination({ path: file, open: fake.open });
    let acknowledged = 0;
    for (let i = 0; i < 300; i += 10) {
      try {
        await out(logs(i, i + 10));
        acknowledged = i + 10;
      } catch (error) {
        expect(String(error)).toMatch(/Cannot write to .*logs\.ndjson: ENOSPC/);
        break;
      }
    }
    expect(acknowledged).toBeGreaterThan(0);
    expect(acknowledged).toBeLessThan(300);
    // exactly the acknowledged logs are in the file, each on its own line
    expect(await ids()).toEqual(Array.from({ length: acknowledged }, (_, i) => i));

    fake.budget.bytes = Infinity; // space freed: the unacknowledged batch is sent again
    for (let i = acknowledged; i < 300; i += 10) await out(logs(i, i + 10));
    await out.close();
    expect(await ids()).toEqual(Array.from({ length: 300 }, (_, i) => i));
  });

  it('cuts a partial last line (a batch never acknowledged) back to the last newline at start', async () => {
    await fs.writeFile(
      file,
      `${JSON.stringify(log(0))}\n${JSON.stringify(log(1))}\n{"log_id":"9001`,
    );
    const notes: string[] = [];
    const out = fileDestination({ path: file, onNote: (note) => notes.push(note) });
    await out(logs(2, 4));
    await out.close();
    expect(await ids()).toEqual([0, 1, 2, 3]);
    expect(notes).toEqual([expect.stringMatching(/^cut a partial last line \(15 bytes\) from /)]);
  });

  it('cuts a file that holds only a fragment (no newline, longer than one read) to empty', async () => {
    await fs.writeFile(file, 'y'.repeat(200_000));
    const out = fileDestination({ path: file });
    await out(logs(0, 1));
    await out.close();
    expect(await ids()).toEqual([0]);
  });

  it('leaves a file that ends with a newline as it is', async () => {
    await fs.writeFile(file, `${JSON.stringify(log(0))}\n`);
    const notes: string[] = [];
    const out = fileDestination({ path: file, onNote: (note) => notes.push(note) });
    await out([]);
    await out.close();
    expect(await ids()).toEqual([0]);
    expect(notes).toEqual([]);
  });

  it('reopens the path after a rename-and-recreate rotation (logrotate create)', async () => {
    const notes: string[] = [];
    const out = fileDestination({ path: file, onNote: (note) => notes.push(note) });
    await out(logs(0, 5));
    await fs.rename(file, `${file}.1`);
    await fs.writeFile(file, '', { mode: 0o600 }); // logrotate's `create`
    await out(logs(5, 8));
    await fs.rename(file, `${file}.2`); // renamed, not recreated: the path is made anew
    await out(logs(8, 10));
    await out.close();
    const read = async (p: string) =>
      (await fs.readFile(p, 'utf8'))
        .split('\n')
        .filter(Boolean)
        .map((line) => Number((JSON.parse(line) as LogEvent).log_id?.slice(3)));
    expect(await read(`${file}.1`)).toEqual([0, 1, 2, 3, 4]);
    expect(await read(`${file}.2`)).toEqual([5, 6, 7]);
    expect(await read(file)).toEqual([8, 9]);
    expect(notes).toEqual([
      expect.stringContaining('(the file was rotated)'),
      expect.stringContaining('(the file was rotated)'),
    ]);
  });

  it('reopens after a remove-and-recreate rotation', async () => {
    const out = fileDestination({ path: file });
    await out(logs(0, 2));
    await fs.rm(file);
    await fs.writeFile(file, '');
    await out(logs(2, 3));
    await out.close();
    expect(await ids()).toEqual([2]);
  });

  it('reopens when asked (SIGHUP), even when the file was not rotated', async () => {
    const fake = shortWrites(1 << 20);
    const notes: string[] = [];
    const out = fileDestination({ path: file, open: fake.open, onNote: (n) => notes.push(n) });
    await out(logs(0, 1));
    out.reopen();
    await out(logs(1, 2));
    await out(logs(2, 3));
    await out.close();
    expect(fake.calls.opens).toBe(2);
    expect(notes).toEqual([expect.stringContaining('(asked to reopen)')]);
    expect(await ids()).toEqual([0, 1, 2]);
  });
});

describe('fileDestination: special files and permanent errors', () => {
  it('creates nothing until the first logs arrive', async () => {
    const out = fileDestination({ path: file });
    await out([]);
    await expect(fs.stat(file)).rejects.toMatchObject({ code: 'ENOENT' });
    await out(logs(0, 2));
    await out.close();
    expect(await ids()).toEqual([0, 1]);
  });

  it('writes to a character device (/dev/null) without fsync, reads or truncation', async () => {
    const calls = { syncs: 0, reads: 0, truncates: 0 };
    const open = async (p: string): Promise<WritableFile> => {
      const handle = await fs.open(p, 'a+');
      return {
        write: (buffer, offset, length) => handle.write(buffer, offset, length),
        read: async (buffer, offset, length, position) => {
          calls.reads += 1;
          return handle.read(buffer, offset, length, position);
        },
        stat: () => handle.stat(),
        truncate: async () => void (calls.truncates += 1),
        sync: async () => {
          calls.syncs += 1;
          await handle.sync(); // EINVAL on /dev/null
        },
        close: () => handle.close(),
      };
    };
    const out = fileDestination({ path: '/dev/null', open });
    await out(logs(0, 5));
    await out(logs(5, 10));
    await out.close();
    expect(calls).toEqual({ syncs: 0, reads: 0, truncates: 0 });
  });

  it('writes into a pipe (a FIFO) that a reader drains', async () => {
    const fifo = path.join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    const chunks: Buffer[] = [];
    const reader = createReadStream(fifo);
    reader.on('data', (chunk) => chunks.push(chunk as Buffer));
    const ended = new Promise<void>((resolve) => reader.on('end', () => resolve()));
    const out = fileDestination({ path: fifo });
    await out(logs(0, 3));
    await out(logs(3, 6));
    await out.close();
    await ended;
    const text = Buffer.concat(chunks).toString('utf8');
    expect(text.split('\n').filter(Boolean)).toHaveLength(6);
  });

  it.each([
    ['EINVAL', true],
    ['EACCES', true],
    ['EROFS', true],
    ['ENOSPC', false],
    ['EIO', false],
  ])('marks a %s write error permanent: %s', async (code, permanent) => {
    const open = async (p: string): Promise<WritableFile> => {
      const handle = await fs.open(p, 'a+', 0o600);
      return {
        write: (buffer, offset, length) => handle.write(buffer, offset, length),
        read: (buffer, offset, length, position) => handle.read(buffer, offset, length, position),
        stat: () => handle.stat(),
        truncate: (length) => handle.truncate(length),
        sync: () => Promise.reject(Object.assign(new Error('fsync failed'), { code })),
        close: () => handle.close(),
      };
    };
    const out = fileDestination({ path: file, open });
    const error: unknown = await out(logs(0, 1)).catch((e: unknown) => e);
    await out.close();
    expect((error as Error).message).toContain(`Cannot write to ${file}: ${code}`);
    expect(isPermanentError(error)).toBe(permanent);
  });

  it('refuses a folder at once', async () => {
    await expect(async () => fileDestination({ path: dir })).rejects.toMatchObject({
      code: 'EISDIR',
    });
  });
});
