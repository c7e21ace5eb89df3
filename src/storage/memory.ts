import { StorageError } from '../errors';
import type { StorageContext, StorageLock, StoredState } from '../types';

/**
 * A state held in memory only: nothing is read from or written to any file, and it is gone when
 * the process ends. For the commands that must not touch a state: `ship` with a date range and no
 * `--state`, and `tail`. A second `lock()` while one is held rejects with a `StorageError` of code
 * `state_locked`, as `FileStorage`'s does.
 */
export class MemoryStorage implements StorageContext {
  private doc: StoredState | undefined;
  private held = false;

  read(): Promise<StoredState | undefined> {
    return Promise.resolve(this.doc === undefined ? undefined : structuredClone(this.doc));
  }

  write(data: StoredState): Promise<void> {
    this.doc = structuredClone(data);
    return Promise.resolve();
  }

  lock(): Promise<StorageLock> {
    if (this.held)
      return Promise.reject(new StorageError('state_locked', 'The state in memory is in use'));
    this.held = true;
    return Promise.resolve({
      lost: new AbortController().signal,
      release: () => {
        this.held = false;
        return Promise.resolve();
      },
    });
  }
}
