import { StateStore, tenantDomain } from '../../src/storage/state';
import type { RunStatus, StorageLock, StoredState } from '../../src/types';

const id = (n: number) => n.toString().padStart(56, '0');

/** An in-memory storage with a lock, as a Redis or PostgreSQL storage with leases would be. */
function lockable(initial?: StoredState) {
  let doc = initial && (JSON.parse(JSON.stringify(initial)) as StoredState);
  let holder: AbortController | undefined;
  const events: string[] = [];
  return {
    events,
    current: () => doc,
    /** The lease expired (or was taken over): the holder must learn it. */
    expire: () => holder?.abort(new Error('the lease expired')),
    read: async () => doc && (JSON.parse(JSON.stringify(doc)) as StoredState),
    write: async (data: StoredState) => {
      events.push('write');
      doc = JSON.parse(JSON.stringify(data)) as StoredState;
    },
    lock: async (): Promise<StorageLock> => {
      if (holder && !holder.signal.aborted)
        throw Object.assign(new Error('in use by another run'), {
          name: 'StorageError',
          code: 'state_locked',
        });
      const mine = new AbortController();
      holder = mine;
      events.push('lock');
      return {
        lost: mine.signal,
        fencingToken: events.length,
        release: async () => {
          events.push('release');
          if (holder === mine) holder = undefined;
        },
      };
    },
  };
}

const tenant = { domain: 'acme.eu.auth0.com', clientId: 'client-a' };

describe('StateStore lock (optional StorageContext.lock)', () => {
  it('takes the lock once, nests, and releases after the last unlock and every write', async () => {
    const storage = lockable();
    const store = new StateStore(storage);
    await store.lock();
    await store.lock();
    const write = store.saveCheckpoint(id(1));
    await store.unlock();
    expect(storage.events).toEqual(['lock']);
    await store.unlock();
    await write;
    expect(storage.events).toEqual(['lock', 'write', 'release']);
    await store.unlock(); // an extra unlock is harmless
    expect(storage.events).toHaveLength(3);
  });

  it('refuses a second holder at once with the storage error', async () => {
    const storage = lockable();
    await new StateStore(storage).lock();
    await expect(new StateStore(storage).lock()).rejects.toMatchObject({ code: 'state_locked' });
  });

  it('wraps a lock failure that is not a StorageError', async () => {
    const store = new StateStore({
      read: async () => undefined,
      write: async () => undefined,
      lock: () => Promise.reject(new Error('connection reset')),
    });
    await expect(store.lock()).rejects.toMatchObject({
      name: 'StorageError',
      code: 'state_lock_failed',
      message: 'Locking the storage failed: connection reset',
    });
  });

  it('refuses every write once the lock was lost (fencing)', async () => {
    const storage = lockable({ checkpointId: id(5) });
    const store = new StateStore(storage);
    await store.lock();
    await store.saveCheckpoint(id(6));
    storage.expire();
    expect(store.lockLost?.aborted).toBe(true);
    await expect(store.saveCheckpoint(id(7))).rejects.toThrow('the lease expired');
    expect(storage.current()?.checkpointId).toBe(id(6));
  });

  it('works without a lock, as the original StorageContext', async () => {
    const store = new StateStore({ read: async () => undefined, write: async () => undefined });
    await store.lock();
    await store.unlock();
    expect(store.lockLost).toBeUndefined();
  });

  it('rejects a lock that is not a method', () => {
    expect(
      () =>
        new StateStore({ read: async () => ({}), write: async () => undefined, lock: 1 } as never),
    ).toThrow(/`lock` must be a method/);
  });
});

describe('StateStore tenant (a state belongs to one tenant)', () => {
  it('records the tenant in a new state, with the original keys kept', async () => {
    const storage = lockable();
    const store = new StateStore(storage, {
      tenant: { ...tenant, domain: 'https://ACME.eu.auth0.com/' },
    });
    await store.saveCheckpoint(id(1));
    expect(storage.current()).toEqual({
      checkpointId: id(1),
      logs: [],
      tenant: { domain: 'acme.eu.auth0.com', clientId: 'client-a' },
    });
  });

  it("refuses another tenant's state before its token or checkpoint is used", async () => {
    const token = { token: 'token-of-tenant-a-0123456789', expiresAt: 1e15 };
    const storage = lockable({ checkpointId: id(9), logs_access_token: token, tenant });
    const store = new StateStore(storage, {
      tenant: { domain: 'other.us.auth0.com', clientId: 'client-b' },
    });
    const refused = {
      name: 'StorageError',
      code: 'state_other_tenant',
      message: expect.stringMatching(
        /^This state belongs to tenant acme\.eu\.auth0\.com \(client id client-a\), not other\.us\.auth0\.com/,
      ),
    };
    await expect(store.getToken()).rejects.toMatchObject(refused);
    await expect(store.getCheckpoint()).rejects.toMatchObject(refused);
    await expect(store.saveCheckpoint(id(10))).rejects.toMatchObject(refused);
    expect(storage.events).toEqual([]);
  });

  it.each<[string, StoredState, string]>([
    ['a checkpoint', { checkpointId: id(9), tenant }, 'checkpoint'],
    [
      'a token',
      { logs_access_token: { token: 'token-of-a-0123456789', expiresAt: 1 }, tenant },
      'access token',
    ],
  ])("refuses another tenant's state that holds only %s", async (_, stored, held) => {
    const store = new StateStore(lockable(stored), {
      tenant: { domain: 'other.us.auth0.com', clientId: 'client-b' },
    });
    await expect(store.getCheckpoint()).rejects.toMatchObject({
      code: 'state_other_tenant',
      message: expect.stringContaining(
        `: it holds that tenant's ${held}. Use one state per tenant.`,
      ),
    });
  });

  it("a failed run's history claims nothing: the state stays free for the right tenant", async () => {
    const storage = lockable();
    const typo = new StateStore(storage, { tenant: { domain: '127.0.0.1:9448', clientId: 'c' } });
    expect(await typo.getCheckpoint()).toBeNull();
    const failed: RunStatus = {
      startCheckpoint: null,
      start: new Date(0),
      end: new Date(1),
      logsProcessed: 0,
      error: 'connect ECONNREFUSED 127.0.0.1:9448',
    };
    await typo.done(failed, null);
    expect(storage.current()).not.toHaveProperty('tenant');
    expect(storage.current()?.logs).toHaveLength(1);

    const right = new StateStore(storage, { tenant });
    expect(await right.getCheckpoint()).toBeNull();
    await right.setToken({ token: 'token-of-acme-0123456789', expiresAt: 1e15 });
    expect(storage.current()).toMatchObject({ tenant, logs: [{ error: failed.error }] });
  });

  it('takes over a state recorded for another tenant that holds nothing of it', async () => {
    const other = { domain: 'typo.eu.auth0.com', clientId: 'client-a' };
    const storage = lockable({
      checkpointId: null,
      logs_access_token: null,
      logs: [],
      tenant: other,
    });
    const store = new StateStore(storage, { tenant });
    expect(await store.getToken()).toBeNull();
    await store.saveCheckpoint(id(5));
    expect(storage.current()).toMatchObject({ checkpointId: id(5), tenant });
  });

  it('claims a state written without a tenant (the original, an older version)', async () => {
    const storage = lockable({ checkpointId: id(3), startFrom: null, logs: [] });
    const store = new StateStore(storage, { tenant });
    expect(await store.getCheckpoint()).toBe(id(3));
    await store.saveCheckpoint(id(4));
    expect(storage.current()).toMatchObject({ checkpointId: id(4), tenant });
  });

  it("keeps the checkpoint for another client of the same tenant, dropping the other's token", async () => {
    const token = { token: 'token-of-client-a-0123456789', expiresAt: 1e15 };
    const storage = lockable({ checkpointId: id(3), logs_access_token: token, tenant });
    const store = new StateStore(storage, { tenant: { ...tenant, clientId: 'client-b' } });
    expect(await store.getToken()).toBeNull();
    expect(await store.getCheckpoint()).toBe(id(3));
    await store.saveCheckpoint(id(4));
    expect(storage.current()).toMatchObject({
      logs_access_token: null,
      tenant: { domain: tenant.domain, clientId: 'client-b' },
    });
  });

  it('rejects a malformed stored tenant', async () => {
    const store = new StateStore(lockable({ tenant: { domain: 7 } } as never), { tenant });
    await expect(store.read()).rejects.toMatchObject({ code: 'storage_invalid' });
  });

  it.each([
    ['acme.auth0.com', 'acme.auth0.com'],
    ['https://Acme.Auth0.com/', 'acme.auth0.com'],
    [' acme.auth0.com/api/v2 ', 'acme.auth0.com'],
    ['127.0.0.1:4430', '127.0.0.1:4430'],
  ])('tenantDomain(%j) is %j', (input, expected) => {
    expect(tenantDomain(input)).toBe(expected);
  });
});

describe('StateStore history trimming (linear in the history)', () => {
  const run = (n: number, pad: number): RunStatus => ({
    startCheckpoint: id(n),
    start: new Date(n * 1000).toISOString(),
    end: new Date(n * 1000 + 1).toISOString(),
    logsProcessed: n,
    warning: 'w'.repeat(pad),
  });

  it.each([1, 7, 300])(
    'keeps the newest runs that fit, exactly as many as fit (entry padding %i)',
    async (pad) => {
      const history = Array.from({ length: 200 }, (_, i) => run(i, pad));
      let doc: StoredState | undefined = { checkpointId: id(1), logs: history };
      const store = new StateStore(
        { read: async () => doc, write: async (d) => void (doc = d) },
        4000,
      );
      await store.done(run(200, pad), id(200));
      const logs = doc?.logs ?? [];
      const size = Buffer.byteLength(JSON.stringify(doc));
      expect(size).toBeLessThanOrEqual(4000);
      expect(logs.at(-1)?.logsProcessed).toBe(200);
      expect(logs.map((r) => r.logsProcessed)).toEqual(
        Array.from({ length: logs.length }, (_, i) => 201 - logs.length + i),
      );
      // one more (older) run would not have fit
      const withOneMore = { ...doc, logs: [run(200 - logs.length, pad), ...logs] };
      if (logs.length > 1 || pad < 300)
        expect(Buffer.byteLength(JSON.stringify(withOneMore))).toBeGreaterThan(4000);
    },
  );

  it('keeps the newest run even when it alone is over the limit', async () => {
    let doc: StoredState | undefined = { logs: [run(1, 10)] };
    const store = new StateStore({ read: async () => doc, write: async (d) => void (doc = d) }, 50);
    await store.done(run(2, 500), id(2));
    expect(doc?.logs?.map((r) => r.logsProcessed)).toEqual([2]);
  });

  it('serialises each run once when trimming 10 MB of history (counted, not timed)', async () => {
    const history = Array.from({ length: 20_000 }, (_, i) => run(i, 480));
    let doc: StoredState | undefined = { logs: history };
    const store = new StateStore({ read: async () => doc, write: async (d) => void (doc = d) });
    const stringify = jest.spyOn(JSON, 'stringify');
    try {
      await store.done(run(20_000, 10), id(20_000));
      // one call per run plus the document without its history (the spy also sees nested calls)
      expect(stringify.mock.calls.length).toBeLessThanOrEqual(20_001 + 5);
    } finally {
      stringify.mockRestore();
    }
    expect(Buffer.byteLength(JSON.stringify(doc))).toBeLessThanOrEqual(400 * 1024);
    expect(doc?.logs?.at(-1)?.logsProcessed).toBe(20_000);
  });
});
