import type { StateStore } from '../storage/state';

/** What {@link startCheckpoint} needs of the store (`StateStore` fits). */
export type StartStore = Pick<StateStore, 'read' | 'setStart'>;

/**
 * The checkpoint a run starts from: the stored one, unless `startFrom` differs from the
 * `startFrom` stored beside it. Then `startFrom` wins, once: `resolve` turns it into a checkpoint
 * (a log id as it is; a date through `LogsApiClient.findCheckpointAt`), and both are stored, the
 * checkpoint even when it is older than the stored one (the user asked to go back).
 * @throws what `resolve` or the store rejects with.
 */
export async function startCheckpoint(
  store: StartStore,
  startFrom: string | null | undefined,
  resolve: (startFrom: string) => Promise<string | null>,
): Promise<string | null> {
  const doc = await store.read();
  if (!startFrom || startFrom === doc.startFrom) return doc.checkpointId ?? null;
  const checkpoint = await resolve(startFrom);
  await store.setStart(startFrom, checkpoint);
  return checkpoint;
}
