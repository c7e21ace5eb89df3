import { promises as fs } from 'node:fs';

/**
 * Makes a new or renamed entry of `dir` durable by fsyncing the folder. Best effort: some platforms
 * (Windows) cannot open a folder for that, and the file itself is synced by its writer.
 */
export async function syncFolder(dir: string): Promise<void> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(dir, 'r');
    await handle.sync();
  } catch {
    // best effort, as above
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
