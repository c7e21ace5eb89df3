import fs, { promises as fsp } from 'node:fs';
import path from 'node:path';
import { runShip } from '../../../src/cli/ship/command';
import { stdout, type StdoutFile } from '../../../src/destinations/stdout';
import { startFakeTenant, type FakeTenant } from '../../../src/testing';
import type { LogEvent } from '../../../src/types';
import { captureIo, ndjsonIds, tempDir } from '../../support/cli';

const enospc = () =>
  Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });

/** An in-memory regular file of `capacity` bytes: short writes at the edge, then ENOSPC. */
function memoryFile(capacity: number) {
  let data = Buffer.alloc(0);
  const calls: string[] = [];
  const file: StdoutFile = {
    write: async (buffer, offset, length) => {
      calls.push('write');
      const room = capacity - data.length;
      if (room <= 0) throw enospc();
      const taken = Math.min(room, length);
      data = Buffer.concat([data, Buffer.from(buffer.subarray(offset, offset + taken))]);
      return { bytesWritten: taken };
    },
    read: async (buffer, offset, length, position) => {
      const bytes = data.subarray(position, position + length);
      buffer.set(bytes, offset);
      return { bytesRead: bytes.length };
    },
    stat: async () => ({ dev: 1, ino: 1, size: data.length, isFile: () => true }),
    truncate: async (length) => {
      calls.push(`truncate ${length}`);
      data = data.subarray(0, length);
    },
    sync: async () => {
      calls.push('sync');
    },
  };
  return { file, calls, text: () => data.toString('utf8') };
}

const logs = (from: number, n: number): LogEvent[] =>
  Array.from({ length: n }, (_, i) => ({ log_id: `id-${from + i}`, type: 's' }) as LogEvent);

describe('stdout as a regular file (issue 19, input 4)', () => {
  it('acknowledges a batch once written and fsynced; a full disk cuts it back and stops', async () => {
    const first = logs(0, 10);
    const firstBytes = first.map((l) => `${JSON.stringify(l)}\n`).join('').length;
    const mem = memoryFile(firstBytes + 50); // the second batch fits only in part
    const handler = stdout({
      file: mem.file,
      stream: {
        write: () => {
          throw new Error('not the stream');
        },
      },
    });
    await handler(first);
    expect(mem.calls).toEqual(['write', 'sync']);
    await expect(handler(logs(10, 10))).rejects.toMatchObject({
      destination: 'stdout',
      code: 'ENOSPC',
      systemCode: 'ENOSPC',
      permanent: true,
    });
    // never glued: the half-written batch was cut back to where it began
    expect(mem.text().length).toBe(firstBytes);
    expect(ndjsonIds(mem.text())).toEqual(first.map((l) => l.log_id));
    // later batches are refused without writing (the fd's offset may lie past the end)
    const writes = mem.calls.filter((c) => c === 'write').length;
    await expect(handler(logs(20, 1))).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(mem.calls.filter((c) => c === 'write').length).toBe(writes);
  });

  it('cuts a partial last line left by a killed run before the first batch', async () => {
    const mem = memoryFile(10_000);
    await mem.file.write(Buffer.from('{"log_id":"id-0"}\n{"log_id":"id-'), 0, 32);
    const notes: string[] = [];
    const handler = stdout({ file: mem.file, onNote: (n) => notes.push(n) });
    await handler(logs(1, 2));
    expect(ndjsonIds(mem.text())).toEqual(['id-0', 'id-1', 'id-2']);
    expect(notes).toEqual([
      expect.stringContaining('cut a partial last line (14 bytes) from stdout'),
    ]);
  });
});

describe('ship > file (issue 19, input 4)', () => {
  let dir: string;
  let tenant: FakeTenant;
  let caFile: string;

  beforeEach(async () => {
    dir = await tempDir();
    tenant = await startFakeTenant({ logs: 300, seed: 31 });
    caFile = path.join(dir, 'ca.pem');
    await fsp.writeFile(caFile, tenant.ca);
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    await tenant.close();
    await fsp.rm(dir, { recursive: true, force: true });
  });

  /** `ship > out` in-process: stdout is the fd of a real regular file (no `state`: the default). */
  async function shipTo(out: string, state?: string) {
    const fd = fs.openSync(out, 'a');
    try {
      const stream = {
        fd,
        write: () => {
          throw new Error('logs must go to the fd, not through the stream');
        },
      };
      const env = {
        AUTH0_DOMAIN: tenant.domain,
        AUTH0_CLIENT_ID: tenant.clientId,
        AUTH0_CLIENT_SECRET: tenant.clientSecret,
        XDG_STATE_HOME: path.join(dir, 'xdg'),
      };
      const { io, stderr } = captureIo({ env, stdout: stream });
      const stateFlag = state === undefined ? [] : ['--state', state];
      const code = await runShip(['--ca-file', caFile, ...stateFlag, '--quiet'], io);
      return { code, stderr: stderr() };
    } finally {
      fs.closeSync(fd);
    }
  }

  const storedCheckpoint = async (state: string) =>
    (JSON.parse(await fsp.readFile(state, 'utf8')) as { checkpointId: string | null }).checkpointId;

  it('a full disk stops the run with the checkpoint at the last whole log in the file', async () => {
    const out = path.join(dir, 'logs.ndjson');
    const state = path.join(dir, 'state.json');
    // the disk fills part-way through the third batch of 100: short writes, then ENOSPC
    const realWrite = fs.write;
    const fillAt =
      Buffer.byteLength(
        Array.from({ length: 287 }, (_, i) => `${JSON.stringify(tenant.logAt(i))}\n`).join(''),
      ) + 40;
    jest.spyOn(fs, 'write').mockImplementation(((...args: unknown[]) => {
      const [fd, buffer, offset, length, position, callback] = args as [
        number,
        Buffer,
        number,
        number,
        null,
        (e: Error | null, n?: number, b?: Buffer) => void,
      ];
      const room = fillAt - fs.fstatSync(fd).size;
      if (room <= 0) return void process.nextTick(() => callback(enospc()));
      return realWrite(fd, buffer, offset, Math.min(length, room), position, callback);
    }) as typeof fs.write);

    const failed = await shipTo(out, state);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('Cannot write to stdout (a file): ENOSPC');
    const written = ndjsonIds(await fsp.readFile(out, 'utf8')); // every line parses
    // before: checkpoint at log 299 while the file ended at 287 (13 lost, one glued line)
    expect(written).toHaveLength(200);
    expect(await storedCheckpoint(state)).toBe(written.at(-1));

    jest.restoreAllMocks();
    const again = await shipTo(out, state);
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
    const all = ndjsonIds(await fsp.readFile(out, 'utf8'));
    expect(all).toEqual(Array.from({ length: 300 }, (_, i) => tenant.logIdAt(i)));
  });

  it('> a.ndjson and > b.ndjson are two destinations: each its own default state, one state refuses the other', async () => {
    const a = path.join(dir, 'a.ndjson');
    const b = path.join(dir, 'b.ndjson');
    expect((await shipTo(a)).code).toBe(0);
    // before: both redirections were 'stdout' (-), so b shared a's default state and got 0 of 300
    expect((await shipTo(b)).code).toBe(0);
    const all = Array.from({ length: 300 }, (_, i) => tenant.logIdAt(i));
    expect(ndjsonIds(await fsp.readFile(a, 'utf8'))).toEqual(all);
    expect(ndjsonIds(await fsp.readFile(b, 'utf8'))).toEqual(all);
    // one --state for both: the second is refused, naming both files
    const state = path.join(dir, 'state.json');
    const c = path.join(dir, 'c.ndjson');
    const d = path.join(dir, 'd.ndjson');
    expect((await shipTo(c, state)).code).toBe(0);
    const refused = await shipTo(d, state);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain(`stdout (> ${await fsp.realpath(c)})`);
    expect(refused.stderr).toContain(`not stdout (> ${await fsp.realpath(d)})`);
    expect(await fsp.readFile(d, 'utf8')).toBe('');
  });

  it('each batch is fsynced before the checkpoint moves past it', async () => {
    const out = path.join(dir, 'logs.ndjson');
    const state = path.join(dir, 'state.json');
    let synced = '';
    const checkpoints: Array<{ checkpoint: string; synced: string[] }> = [];
    const realFsync = fs.fsync;
    jest.spyOn(fs, 'fsync').mockImplementation(((fd: number, callback: (e: Error | null) => void) =>
      realFsync(fd, (error) => {
        if (!error && fs.fstatSync(fd).ino === fs.statSync(out).ino)
          synced = fs.readFileSync(out, 'utf8');
        callback(error);
      })) as typeof fs.fsync);
    const realRename = fsp.rename;
    jest.spyOn(fsp, 'rename').mockImplementation(async (from, to) => {
      if (to === state) {
        const { checkpointId } = JSON.parse(fs.readFileSync(from, 'utf8')) as {
          checkpointId?: string | null;
        };
        if (checkpointId) checkpoints.push({ checkpoint: checkpointId, synced: ndjsonIds(synced) });
      }
      return realRename(from, to);
    });

    expect((await shipTo(out, state)).code).toBe(0);
    expect(checkpoints.length).toBeGreaterThanOrEqual(3);
    for (const { checkpoint, synced: ids } of checkpoints) expect(ids).toContain(checkpoint);
    expect(ndjsonIds(await fsp.readFile(out, 'utf8'))).toHaveLength(300);
  });
});

describe('stdout as a file that cannot be read back', () => {
  it('notes it and writes on, cutting nothing', async () => {
    const mem = memoryFile(10_000);
    await mem.file.write(Buffer.from('{"log_id":"id-0"}\n'), 0, 18);
    const unreadable: StdoutFile = {
      ...mem.file,
      read: async () => {
        throw Object.assign(new Error('ENOENT: no such file or directory, open'), {
          code: 'ENOENT',
        });
      },
    };
    const notes: string[] = [];
    await stdout({ file: unreadable, onNote: (n) => notes.push(n) })(logs(1, 1));
    expect(ndjsonIds(mem.text())).toEqual(['id-0', 'id-1']);
    expect(notes).toEqual([expect.stringContaining("could not check stdout's last line")]);
  });
});
