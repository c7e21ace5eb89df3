import { lstatSync, readlinkSync, realpathSync } from 'node:fs';
import path from 'node:path';

/** Most links followed while resolving one path (as the kernel's own `ELOOP` limit, 40). */
const MAX_LINKS = 40;

/**
 * The real path of `target` (absolute, every symbolic link followed), also when it does not exist
 * yet: a link whose target is missing resolves to that target, and a missing file to its real
 * folder's entry. Two names of one file (`s.json`, and `link.json` pointing at it, or the same
 * file reached through a linked folder) resolve to the same path, so they share one lock and one
 * write target. A path that cannot be resolved (a loop of links, no permission) is returned as
 * given, absolute.
 */
export function realTarget(target: string): string {
  return resolve(path.resolve(target), 0);
}

function resolve(target: string, links: number): string {
  try {
    return realpathSync(target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return target;
  }
  let link: string | undefined;
  try {
    if (lstatSync(target).isSymbolicLink()) link = readlinkSync(target);
  } catch {
    link = undefined; // nothing at that name: its folder is resolved below
  }
  if (link !== undefined) {
    if (links >= MAX_LINKS) return target;
    return resolve(path.resolve(path.dirname(target), link), links + 1);
  }
  const parent = path.dirname(target);
  if (parent === target) return target;
  return path.join(resolve(parent, links), path.basename(target));
}
