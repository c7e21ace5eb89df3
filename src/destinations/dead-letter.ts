import { promises as fs } from 'node:fs';
import type { DeadLetterEntry } from '../types';
import { DestinationError } from './errors';

/**
 * A dead letter kept in a file, for the processor's `deadLetter` option (`ship --dead-letter
 * <file>`, serve's tenant key `deadLetter`): each refused log appended as one NDJSON line
 * `{ "log_id", "reason", "log" }`, the file created with mode 0600 and fsynced before the call
 * resolves, so a batch is acknowledged only once its refused logs are on disk. Rejects with a
 * `DestinationError` (`dead_letter_<system code>`) when the file cannot be written; the run then
 * stops and the batch is sent again next run.
 * @example new LogsProcessor(storage, { ...options, deadLetter: fileDeadLetter('refused.ndjson') })
 */
export function fileDeadLetter(path: string): (entries: DeadLetterEntry[]) => Promise<void> {
  return async (entries) => {
    if (entries.length === 0) return;
    const text = entries
      .map(({ log_id, reason, log }) => `${JSON.stringify({ log_id, reason, log })}\n`)
      .join('');
    let handle: fs.FileHandle | undefined;
    try {
      handle = await fs.open(path, 'a', 0o600);
      await handle.writeFile(text);
      await handle.sync();
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      const system = typeof code === 'string' ? code : 'write_failed';
      throw new DestinationError(
        'file',
        `dead_letter_${system.toLowerCase()}`,
        `cannot write the dead letter ${path} (${system}): check its folder exists and is writable`,
        { permanent: false, systemCode: system, cause: error },
      );
    } finally {
      await handle?.close().catch(() => undefined);
    }
  };
}
