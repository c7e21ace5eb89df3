import { DEFAULTS } from './defaults';
import { ArgumentError, StorageError, errorMessage } from './errors';
import { compareLogIds, isLogId } from './log-id';
import { Redactor } from './redact';
import type { AccessToken, RunStatus, StorageContext, StoredState, TokenCache } from './types';

function isToken(value: unknown): value is AccessToken {
  const token = value as AccessToken | null;
  return typeof token?.token === 'string' && typeof token.expiresAt === 'number';
}

/**
 * The processor's view of its `StorageContext`: one JSON document holding the checkpoint, the
 * access token and the run history. Validates what it reads, serialises its writes, and is the
 * processor's token cache.
 */
export class StateStore implements TokenCache {
  private doc: StoredState | undefined;
  private writes: Promise<void> = Promise.resolve();
  /** A storage's own error may quote the document, token included. */
  private readonly redactor = new Redactor();

  constructor(
    private readonly context: StorageContext,
    private readonly historyLimitBytes: number = DEFAULTS.historyLimitBytes,
  ) {
    if (!context || typeof context.read !== 'function' || typeof context.write !== 'function') {
      throw new ArgumentError(
        'The storageContext is required and must have read() and write() methods',
        'storageContext',
      );
    }
  }

  /** Reads the document anew (at the start of every run), validating it. */
  async reload(): Promise<StoredState> {
    this.doc = undefined;
    return this.read();
  }

  /** The document, read once and kept. */
  async read(): Promise<StoredState> {
    if (this.doc) return this.doc;
    let contents: unknown;
    try {
      contents = await this.context.read();
    } catch (error) {
      throw new StorageError(
        'storage_read_failed',
        `Reading the storage failed: ${this.redactor.redact(errorMessage(error))}`,
        { cause: error },
      );
    }
    this.doc = validate(contents ?? {});
    const token = this.doc.logs_access_token;
    if (isToken(token)) this.redactor.add(token.token);
    return this.doc;
  }

  private update(change: (doc: StoredState) => void): Promise<void> {
    const run = this.writes.then(async () => {
      const doc = await this.read();
      change(doc);
      try {
        await this.context.write(doc);
      } catch (error) {
        throw new StorageError(
          'storage_write_failed',
          `Writing the storage failed: ${this.redactor.redact(errorMessage(error))}`,
          { cause: error },
        );
      }
    });
    this.writes = run.catch(() => undefined);
    return run;
  }

  async getToken(): Promise<AccessToken | null> {
    const token = (await this.read()).logs_access_token;
    return isToken(token) ? token : null;
  }

  setToken(token: AccessToken | null): Promise<void> {
    this.redactor.add(token?.token);
    return this.update((doc) => {
      doc.logs_access_token = token;
    });
  }

  /**
   * The checkpoint to start from. A `startFrom` that differs from the stored one wins (and is
   * stored); `resolve` turns it into a checkpoint (it may be a date).
   */
  async getCheckpoint(
    startFrom: string | undefined,
    resolve: (startFrom: string) => Promise<string | null>,
  ): Promise<string | null> {
    const doc = await this.read();
    if (startFrom && startFrom !== doc.startFrom) {
      const checkpoint = await resolve(startFrom);
      await this.update((d) => {
        d.startFrom = startFrom;
        d.checkpointId = checkpoint;
      });
      return checkpoint;
    }
    return doc.checkpointId ?? null;
  }

  /** Stores a checkpoint after an acknowledged batch. It never moves backwards. */
  saveCheckpoint(checkpoint: string | null): Promise<void> {
    return this.update((doc) => {
      const current = doc.checkpointId;
      if (checkpoint && (!current || compareLogIds(checkpoint, current) > 0))
        doc.checkpointId = checkpoint;
    });
  }

  /** Appends a run to the history (trimmed oldest-first past the size limit) with its checkpoint. */
  done(status: RunStatus, checkpoint: string | null): Promise<void> {
    return this.update((doc) => {
      const history = (doc.logs ??= []);
      history.push({ ...status, checkpoint });
      while (
        history.length > 1 &&
        Buffer.byteLength(JSON.stringify(doc), 'utf8') > this.historyLimitBytes
      ) {
        history.shift();
      }
      const current = doc.checkpointId;
      if (checkpoint && (!current || compareLogIds(checkpoint, current) > 0))
        doc.checkpointId = checkpoint;
    });
  }
}

function validate(contents: unknown): StoredState {
  if (typeof contents !== 'object' || Array.isArray(contents)) {
    throw new StorageError(
      'storage_invalid',
      `The stored state must be a JSON object, got ${Array.isArray(contents) ? 'an array' : typeof contents}`,
    );
  }
  const doc = contents as StoredState;
  const checkpoint = doc.checkpointId;
  if (checkpoint !== undefined && checkpoint !== null && !isLogId(checkpoint)) {
    throw new StorageError(
      'storage_invalid',
      `The stored \`checkpointId\` is not a log id: ${JSON.stringify(checkpoint).slice(0, 80)}`,
    );
  }
  if (doc.logs !== undefined && doc.logs !== null && !Array.isArray(doc.logs)) {
    throw new StorageError('storage_invalid', 'The stored run history `logs` must be an array');
  }
  doc.logs ??= [];
  return doc;
}
