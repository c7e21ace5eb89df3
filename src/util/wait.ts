import type { WaitEvent, WaitReason } from '../types';

/** An `onWait` hook: told before every wait of the pipeline (see {@link WaitEvent}). */
export type WaitListener = (event: WaitEvent) => void;

/**
 * Tells `onWait` that the pipeline is about to wait `ms` for `reason`. A wait of 0 ms is not
 * reported; what the hook throws is ignored (a progress display must not fail a run).
 */
export function reportWait(onWait: WaitListener | undefined, reason: WaitReason, ms: number): void {
  if (!onWait || !(ms > 0)) return;
  try {
    onWait({ reason, ms });
  } catch {
    // the hook is for display: the wait happens all the same
  }
}
