import { compareLogIds } from '../auth0/log-id';

/**
 * The one rule for a stored position: the checkpoint never moves backwards. True when `next` may
 * replace `current`: it is a later log id, or nothing stands yet; false when `next` is absent, the
 * same id or an older one. Ids compare as `compareLogIds` does. Only a new `startFrom`, the user's
 * own choice, sets a checkpoint without asking (see `startCheckpoint` in src/pipeline/start.ts).
 */
export function checkpointAdvances(
  current: string | null | undefined,
  next: string | null | undefined,
): next is string {
  return !!next && (!current || compareLogIds(next, current) > 0);
}

/**
 * True when `next`, stored over `current`, would move the checkpoint backwards: an older id than
 * `current` ({@link checkpointAdvances} refuses it, and it is not the same id).
 */
export function movesBackwards(
  current: string | null | undefined,
  next: string | null | undefined,
): boolean {
  return !!next && next !== current && !checkpointAdvances(current, next);
}
