import { closeSync, constants, openSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

/** The system codes of a write the file system refuses to this user (permissions, read-only). */
export const UNWRITABLE_CODES: ReadonlySet<string> = new Set(['EACCES', 'EPERM', 'EROFS']);

/**
 * The {@link UNWRITABLE_CODES} code when this process may not create a file in `dir`; `undefined`
 * when it may (or another fault, which the write itself will report). Creates and removes an empty probe file: `access(W_OK)` answers yes to
 * root even where the file system refuses it (a read-only mount, sysfs).
 */
export function folderWriteRefusal(dir: string): string | undefined {
  const probe = path.join(
    dir,
    `.auth0-log-tools.${process.pid}.${randomBytes(4).toString('hex')}.probe`,
  );
  try {
    closeSync(openSync(probe, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code !== undefined && UNWRITABLE_CODES.has(code) ? code : undefined;
  }
  try {
    unlinkSync(probe);
  } catch {
    // created but not removable: the write itself is allowed
  }
  return undefined;
}

/**
 * The {@link UNWRITABLE_CODES} code when this process may not append to the existing `file`;
 * `undefined` otherwise (it may, it is absent, or another fault the write itself will report).
 */
export function fileWriteRefusal(file: string): string | undefined {
  try {
    closeSync(openSync(file, constants.O_WRONLY | constants.O_APPEND));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code !== undefined && UNWRITABLE_CODES.has(code) ? code : undefined;
  }
  return undefined;
}
