import { StorageError } from '../errors';
import { numberOption } from '../options/check';
import { LIMITS } from '../options/limits';
import type { StorageLock, StoredState } from '../types';

/** Defaults of the leases of {@link RedisStorage} and {@link PostgresStorage}. */
export const LEASE_DEFAULTS = Object.freeze({
  /** A lease not renewed for this many seconds expires; another worker may then take it. */
  leaseSeconds: 30,
});

/** A {@link StorageLock} that is a lease: held for `leaseSeconds`, renewed while held. */
export interface StorageLease extends StorageLock {
  /** The fencing token: 1 for the first holder, one more for each new one. */
  readonly fencingToken: number;
  /**
   * Whether the previous holder did not release the lease (it died or lost its connection and the
   * lease expired): a takeover. `false` for the first lease and after a release.
   */
  readonly takeover: boolean;
}

/** The error of a write or renewal by a holder whose lease expired or was taken (`lease_lost`). */
export function leaseLost(what: string, epoch: number): StorageError {
  return new StorageError(
    'lease_lost',
    `The lease of ${what} (fencing token ${epoch}) was lost: it expired or another worker took it. Nothing more is written or shipped by this run.`,
  );
}

/** The error of a lease another holder has (`state_locked`), as `FileStorage` says it. */
export function leaseHeld(what: string): StorageError {
  return new StorageError(
    'state_locked',
    `The state ${what} is leased by another run. Only one run at a time may use a state; a lease that is not renewed expires after its leaseSeconds.`,
  );
}

/**
 * Checks `leaseSeconds`: a number of seconds from 1 to 86400 (a day, `LIMITS.leaseSeconds`);
 * absent is {@link LEASE_DEFAULTS}. Throws an `ArgumentError` naming `name`.
 */
export function checkLeaseSeconds(value: unknown, name = 'leaseSeconds'): number {
  return numberOption(name, value ?? undefined, LEASE_DEFAULTS.leaseSeconds, LIMITS.leaseSeconds);
}

/**
 * Renews a lease every third of its length until `stop` is called; aborts `controller` with
 * `lease_lost` when a renewal says the lease is gone, or when renewals keep failing until the lease
 * would have expired anyway.
 */
export function keepRenewing(
  renew: () => Promise<boolean>,
  leaseMs: number,
  controller: AbortController,
  lost: () => StorageError,
): () => void {
  let lastRenewed = Date.now();
  let stopped = false;
  const tick = async () => {
    if (stopped || controller.signal.aborted) return;
    try {
      if (await renew()) lastRenewed = Date.now();
      else controller.abort(lost());
    } catch {
      // a failed renewal is retried at the next tick, while the lease can still be ours
      if (Date.now() - lastRenewed >= leaseMs) controller.abort(lost());
    }
  };
  const timer = setInterval(() => void tick(), Math.max(100, Math.floor(leaseMs / 3)));
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}

/** The part of the state that changes with every batch (written each time) and the rest. */
export interface SplitState {
  /** `{ checkpointId, startFrom }` as JSON: small, written with every checkpoint. */
  checkpoint: string;
  /** Everything else (run history, access token, tenant) as JSON: written only when it changed. */
  rest: string;
}

/** Splits a stored document into its checkpoint and the rest. */
export function splitState(doc: StoredState): SplitState {
  const { checkpointId = null, startFrom = null, ...rest } = doc;
  return { checkpoint: JSON.stringify({ checkpointId, startFrom }), rest: JSON.stringify(rest) };
}

/** Joins what {@link splitState} split; `undefined` when nothing was stored. */
export function joinState(
  checkpoint: string | null | undefined,
  rest: string | null | undefined,
): StoredState | undefined {
  if (!checkpoint && !rest) return undefined;
  const parse = (text: string | null | undefined, part: string): Record<string, unknown> => {
    if (!text) return {};
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new StorageError('storage_corrupt', `The stored ${part} is not valid JSON`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new StorageError('storage_corrupt', `The stored ${part} is not a JSON object`);
    return value as Record<string, unknown>;
  };
  return { ...parse(rest, 'state'), ...parse(checkpoint, 'checkpoint') } as StoredState;
}
