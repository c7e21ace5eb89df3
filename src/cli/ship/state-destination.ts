import { isLogId } from '../../auth0/log-id';
import { shown } from '../../destinations/address';
import { realTarget } from '../../storage/real-path';
import type { StorageContext, StoredDestination, StoredState } from '../../types';

/** What {@link destinationRecord} needs of `ship`'s destination (`ShipDestination`). */
export type ShipDestination =
  | { kind: 'stdout'; file?: string }
  | { kind: 'file'; path: string }
  | { kind: 'post'; target: { url: URL } }
  | { kind: 'to'; to: { kind: string; describe: string } };

/**
 * The record of a `ship` destination in its state: its kind and address, never a secret (a
 * `--post` URL without user info, query or fragment; a `--to` destination as its messages
 * describe it; a file by its real path; stdout as `-`, or as the file it is redirected to).
 */
export function destinationRecord(destination: ShipDestination): StoredDestination {
  switch (destination.kind) {
    case 'stdout':
      // `ship > a.ndjson` and `ship > b.ndjson` are two destinations, as `--out` a and b are
      return { kind: 'stdout', address: destination.file ?? '-' };
    case 'file':
      return { kind: 'file', address: realTarget(destination.path) };
    case 'post':
      return { kind: 'post', address: shown(destination.target.url) };
    case 'to':
      return { kind: destination.to.kind, address: destination.to.describe };
  }
}

/** The record of `ship`'s destinations: its one destination, or the fan-out of it and `also`. */
export function shipRecord(
  destination: ShipDestination,
  also: ReadonlyArray<{ kind: string; describe: string }> = [],
): StoredDestination {
  return fanoutRecord([
    destinationRecord(destination),
    ...also.map((to) => destinationRecord({ kind: 'to', to })),
  ]);
}

/**
 * The record of several destinations shipped to from one read (`ship --to a --to b`, `--out`
 * among them): kind `fanout`, the address their sorted descriptions joined by ` + ` (the same set
 * in any order is the same state), and each one's record.
 */
export function fanoutRecord(records: readonly StoredDestination[]): StoredDestination {
  if (records.length === 1) return records[0] as StoredDestination;
  const sorted = [...records].sort((a, b) =>
    describeDestination(a).localeCompare(describeDestination(b)),
  );
  return {
    kind: 'fanout',
    address: sorted.map(describeDestination).join(' + '),
    destinations: sorted.map((r) => ({ kind: r.kind, address: r.address })),
  };
}

/** The single destinations a record stands for: itself, or a fan-out's members. */
function members(record: StoredDestination): StoredDestination[] {
  return record.kind === 'fanout' && Array.isArray(record.destinations)
    ? record.destinations.filter(isDestination)
    : [record];
}

/** `file /var/log/a.ndjson`, `post https://collector/ingest`, `stdout`, `stdout (> /var/log/a.ndjson)`. */
export function describeDestination(destination: StoredDestination): string {
  if (destination.kind === 'stdout')
    return destination.address === '-' ? 'stdout' : `stdout (> ${destination.address})`;
  if (destination.kind === 'fanout') return destination.address;
  const address = destination.address;
  return address.startsWith(`${destination.kind} `) ? address : `${destination.kind} ${address}`;
}

function isDestination(value: unknown): value is StoredDestination {
  const d = value as Partial<StoredDestination> | null | undefined;
  return typeof d?.kind === 'string' && typeof d.address === 'string';
}

/**
 * Claims the state (read and written through `storage`, its lock held) for `ours`, before the
 * run: a state whose checkpoint was reached shipping to another destination is refused (the logs
 * before that checkpoint went there only), unless `startFrom` chooses where the new destination
 * starts (then the old destination's `checkpointId` and `startFrom` are dropped with it). Otherwise
 * `ours` is recorded in the state's `destination` (beside `tenant`; the
 * original extension ignores the key) before any checkpoint of this run is stored. Resolves the
 * refusal's message, or `undefined` when the run may go on. A state that cannot be read or written
 * here is left to the run, which reports it.
 */
export async function claimDestination(
  storage: Pick<StorageContext, 'read' | 'write'>,
  ours: StoredDestination,
  startFrom: string | undefined,
  statePath: string,
): Promise<string | undefined> {
  let doc: StoredState | undefined;
  try {
    doc = (await storage.read()) ?? undefined;
  } catch {
    return undefined;
  }
  if (doc !== undefined && (typeof doc !== 'object' || doc === null || Array.isArray(doc)))
    return undefined;
  const stored = doc?.destination;
  // every destination of ours got every log up to the checkpoint: the same set, or fewer of it
  const had = isDestination(stored) ? members(stored).map(describeDestination) : [];
  const missing = members(ours).filter((d) => !had.includes(describeDestination(d)));
  if (isDestination(stored) && missing.length === 0) {
    if (stored.kind === ours.kind && stored.address === ours.address) return undefined;
    return record(storage, { ...(doc ?? {}), destination: { ...ours } });
  }
  if (isDestination(stored) && isLogId(doc?.checkpointId) && startFrom === undefined) {
    const not = missing.map(describeDestination).join(' + ');
    return `The state ${statePath} holds the checkpoint of the logs shipped to ${describeDestination(stored)}, not ${not}: the logs before it went to ${describeDestination(stored)} only. Use another --state for ${describeDestination(ours)} (or leave --state out: the default is one state per tenant and destination set), or pass --start-from to ship to it from a chosen point.`;
  }
  const next: StoredState = { ...(doc ?? {}), destination: { ...ours } };
  if (isDestination(stored) && isLogId(doc?.checkpointId)) {
    // moved by --start-from: the old destination's checkpoint is no start for this one (should
    // this run fail before storing its start, the next starts from the oldest log, not from
    // there), and the stored startFrom must not keep the same --start-from from taking effect
    next.checkpointId = null;
    delete next.startFrom;
  }
  return record(storage, next);
}

async function record(
  storage: Pick<StorageContext, 'write'>,
  next: StoredState,
): Promise<undefined> {
  try {
    await storage.write(next);
  } catch {
    // the run's own first write meets the same failure and reports it
  }
  return undefined;
}
