import { startCheckpoint } from '../../src/pipeline/start';
import { StateStore } from '../../src/storage/state';
import type { StoredState } from '../../src/types';

function memory(initial?: unknown) {
  let doc = initial === undefined ? undefined : JSON.parse(JSON.stringify(initial));
  return {
    current: () => doc as StoredState,
    read: async () => (doc === undefined ? undefined : JSON.parse(JSON.stringify(doc))),
    write: async (data: StoredState) => {
      doc = JSON.parse(JSON.stringify(data));
    },
  };
}

const id = (n: number) => n.toString().padStart(56, '0');

describe('startCheckpoint', () => {
  it('lets a new startFrom win over the stored checkpoint, once', async () => {
    const storage = memory({ checkpointId: id(50), startFrom: id(10) });
    const store = new StateStore(storage);
    const resolve = jest.fn(async (s: string) => s);
    expect(await startCheckpoint(store, id(10), resolve)).toBe(id(50));
    expect(await startCheckpoint(store, undefined, resolve)).toBe(id(50));
    expect(await startCheckpoint(store, id(20), resolve)).toBe(id(20));
    expect(storage.current()).toMatchObject({ checkpointId: id(20), startFrom: id(20) });
    expect(resolve).toHaveBeenCalledTimes(1);
  });

  it('stores what a date resolves to, and nothing when resolving fails', async () => {
    const storage = memory({ checkpointId: id(50) });
    const store = new StateStore(storage);
    const found = await startCheckpoint(store, '2026-01-01', async () => id(7));
    expect(found).toBe(id(7));
    expect(storage.current()).toMatchObject({ checkpointId: id(7), startFrom: '2026-01-01' });
    const down = new Error('tenant unreachable');
    await expect(startCheckpoint(store, '2025-01-01', () => Promise.reject(down))).rejects.toBe(
      down,
    );
    expect(storage.current()).toMatchObject({ checkpointId: id(7), startFrom: '2026-01-01' });
  });

  it('reads the store only: the store never calls back', async () => {
    const store = new StateStore(memory({ checkpointId: id(3) }));
    expect(await store.getCheckpoint()).toBe(id(3));
    expect(await new StateStore(memory()).getCheckpoint()).toBeNull();
  });
});
