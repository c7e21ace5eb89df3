import { MemoryStorage } from '../../src/storage/memory';

describe('MemoryStorage', () => {
  it('keeps a copy of what was written, nothing before', async () => {
    const storage = new MemoryStorage();
    expect(await storage.read()).toBeUndefined();
    const doc = { checkpointId: 'a' };
    await storage.write(doc);
    doc.checkpointId = 'b';
    const read = await storage.read();
    expect(read).toEqual({ checkpointId: 'a' });
    (read as { checkpointId: string }).checkpointId = 'c';
    expect(await storage.read()).toEqual({ checkpointId: 'a' });
  });

  it('one lock at a time, as FileStorage: a second is refused with state_locked', async () => {
    const storage = new MemoryStorage();
    const lock = await storage.lock();
    expect(lock.lost.aborted).toBe(false);
    await expect(storage.lock()).rejects.toMatchObject({ code: 'state_locked' });
    await lock.release();
    await (await storage.lock()).release();
  });
});
