import { StorageError } from '../../src/errors';
import { StateStore } from '../../src/storage/state';
import type { RunStatus, StoredState } from '../../src/types';

function memory(initial?: unknown) {
  let doc = initial === undefined ? undefined : JSON.parse(JSON.stringify(initial));
  const writes: StoredState[] = [];
  return {
    writes,
    current: () => doc as StoredState,
    read: async () => (doc === undefined ? undefined : JSON.parse(JSON.stringify(doc))),
    write: async (data: StoredState) => {
      doc = JSON.parse(JSON.stringify(data));
      writes.push(doc);
    },
  };
}

const id = (n: number) => n.toString().padStart(56, '0');
const status = (n: number): RunStatus => ({
  startCheckpoint: null,
  start: new Date(0),
  end: new Date(1),
  logsProcessed: n,
});

describe('StateStore', () => {
  it('requires a storage context with read and write', () => {
    expect(() => new StateStore(undefined as never)).toThrow(/storageContext/);
    expect(() => new StateStore({ read: async () => ({}) } as never)).toThrow(/storageContext/);
  });

  it('rejects a stored document that is not an object, or holds a malformed checkpoint', async () => {
    for (const bad of [
      [],
      'text',
      42,
      { checkpointId: 'abc' },
      { checkpointId: 12 },
      { logs: 'x' },
    ]) {
      const store = new StateStore(memory(bad));
      await expect(store.reload()).rejects.toBeInstanceOf(StorageError);
    }
  });

  it('wraps read and write failures in StorageError', async () => {
    const broken = {
      read: async () => Promise.reject(new Error('disk gone')),
      write: async () => undefined,
    };
    await expect(new StateStore(broken).reload()).rejects.toMatchObject({
      code: 'storage_read_failed',
    });
    const readOnly = {
      read: async () => ({}),
      write: async () => Promise.reject(new Error('read-only')),
    };
    await expect(new StateStore(readOnly).saveCheckpoint(id(1))).rejects.toMatchObject({
      code: 'storage_write_failed',
    });
  });

  it('never moves the checkpoint backwards', async () => {
    const storage = memory({ checkpointId: id(50) });
    const store = new StateStore(storage);
    await store.saveCheckpoint(id(40));
    expect(storage.current().checkpointId).toBe(id(50));
    await store.saveCheckpoint(id(60));
    expect(storage.current().checkpointId).toBe(id(60));
  });

  it('keeps the token in the document, as the token cache', async () => {
    const storage = memory({});
    const store = new StateStore(storage);
    expect(await store.getToken()).toBeNull();
    await store.setToken({ token: 't0k3n-value', expiresAt: 5 });
    expect(storage.current().logs_access_token).toEqual({ token: 't0k3n-value', expiresAt: 5 });
    expect(await store.getToken()).toEqual({ token: 't0k3n-value', expiresAt: 5 });
    await store.setToken(null);
    expect(await store.getToken()).toBeNull();
  });

  it('appends runs to the history and trims it oldest-first past the size limit', async () => {
    const storage = memory({});
    const store = new StateStore(storage, 2000);
    for (let i = 1; i <= 40; i++) await store.done(status(i), id(i));
    const doc = storage.current();
    expect(Buffer.byteLength(JSON.stringify(doc))).toBeLessThanOrEqual(2000);
    expect(doc.logs?.at(-1)).toMatchObject({ logsProcessed: 40, checkpoint: id(40) });
    expect(doc.logs?.[0]?.logsProcessed).toBeGreaterThan(1);
    expect(doc.checkpointId).toBe(id(40));
  });

  it('serialises concurrent writes', async () => {
    const storage = memory({});
    const store = new StateStore(storage);
    await Promise.all([1, 2, 3, 4, 5].map((n) => store.saveCheckpoint(id(n))));
    expect(storage.current().checkpointId).toBe(id(5));
    expect(storage.writes).toHaveLength(5);
  });
});

describe('StateStore errors', () => {
  it('keeps the stored token out of a storage error that quotes the document', async () => {
    const token = 'eyJ-stored-access-token-0123456789';
    const quoting = {
      read: async () => ({ logs_access_token: { token, expiresAt: 1 } }),
      write: async (data: StoredState) =>
        Promise.reject(new Error(`cannot write ${JSON.stringify(data)}`)),
    };
    const error = (await new StateStore(quoting)
      .saveCheckpoint(id(1))
      .catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(StorageError);
    expect(error.message).toContain('cannot write');
    expect(error.message).not.toContain(token);
  });
});
