import { inspect } from 'node:util';
import { DEFAULTS } from '../defaults';
import { ArgumentError, StorageError, errorMessage, isStorageError } from '../errors';
import { isLogId } from '../auth0/log-id';
import { checkpointAdvances } from './checkpoint';
import { Redactor } from '../util/redact';
import type {
  AccessToken,
  RunStatus,
  StorageContext,
  StorageLock,
  StoredState,
  StoredTenant,
  TokenCache,
} from '../types';

/** Codes of a lease's refusal (RedisStorage, PostgresStorage), passed on as they are. */
const FENCE_CODES = new Set(['lease_lost', 'state_locked']);

/** Options of {@link StateStore}. */
export interface StateStoreOptions {
  /**
   * The run history is trimmed oldest-first while the document's compact JSON is larger.
   * @default DEFAULTS.historyLimitBytes
   */
  historyLimitBytes?: number;
  /**
   * The tenant of the runs using this store. A stored state holding a checkpoint or token of
   * another domain is refused (`StorageError` `state_other_tenant`) before either is used; a state
   * without a tenant (written by an older version or the original) is claimed; another client id
   * of the same domain takes the state over, its cached token dropped. The tenant is recorded only
   * while the state holds a checkpoint or token: a run that stored neither (a failed first run,
   * a mistyped domain) leaves the state free for any tenant.
   */
  tenant?: { domain: string; clientId: string };
}

/** `https://Acme.auth0.com/` → `acme.auth0.com`. */
export function tenantDomain(domain: string): string {
  return domain
    .trim()
    .toLowerCase()
    .replace(/^[a-z][a-z0-9+.-]*:\/\//, '')
    .replace(/[/?#].*$/, '');
}

function isToken(value: unknown): value is AccessToken {
  const token = value as AccessToken | null;
  return typeof token?.token === 'string' && typeof token.expiresAt === 'number';
}

/** Whether a document holds something of a tenant: a checkpoint or an access token. */
function holdsTenantData(doc: StoredState): boolean {
  return isLogId(doc.checkpointId) || isToken(doc.logs_access_token);
}

/** What of its tenant a claimed state holds, in words. */
function heldBy(doc: StoredState): string {
  const checkpoint = isLogId(doc.checkpointId);
  const token = isToken(doc.logs_access_token);
  return checkpoint && token
    ? 'checkpoint and access token'
    : checkpoint
      ? 'checkpoint'
      : 'access token';
}

/**
 * The processor's view of its `StorageContext`: one JSON document holding the checkpoint, the
 * access token and the run history. Validates what it reads, serialises its writes, and is the
 * processor's token cache.
 */
export class StateStore implements TokenCache {
  /** Native private fields: `util.inspect` and `JSON.stringify` never see the token. */
  #doc: StoredState | undefined;
  private writes: Promise<void> = Promise.resolve();
  /** A storage's own error may quote the document, token included. */
  private readonly redactor = new Redactor();
  private readonly historyLimitBytes: number;
  private readonly tenant: StoredTenant | undefined;
  private held: StorageLock | undefined;
  private holds = 0;

  /** `options` may be a number: the `historyLimitBytes` (the earlier signature). */
  constructor(
    private readonly context: StorageContext,
    options: StateStoreOptions | number = {},
  ) {
    if (!context || typeof context.read !== 'function' || typeof context.write !== 'function') {
      throw new ArgumentError(
        'The storageContext is required and must have read() and write() methods',
        'storageContext',
      );
    }
    if (context.lock !== undefined && typeof context.lock !== 'function') {
      throw new ArgumentError('The storageContext `lock` must be a method', 'storageContext');
    }
    const o = typeof options === 'number' ? { historyLimitBytes: options } : options;
    this.historyLimitBytes = o.historyLimitBytes ?? DEFAULTS.historyLimitBytes;
    this.tenant = o.tenant && {
      domain: tenantDomain(o.tenant.domain),
      clientId: o.tenant.clientId,
    };
  }

  /**
   * Takes the storage's lock (when it has `lock`) for a run; calls nest, the lock is held until
   * the matching number of {@link unlock} calls. Rejects with the storage's `StorageError`
   * (`state_locked` when another run holds it).
   */
  async lock(): Promise<void> {
    if (!this.context.lock) return;
    if (this.holds > 0) {
      this.holds += 1;
      return;
    }
    try {
      this.held = await this.context.lock();
    } catch (error) {
      if ((error as Error | null)?.name === 'StorageError') throw error;
      throw new StorageError(
        'state_lock_failed',
        `Locking the storage failed: ${this.redactor.redact(errorMessage(error))}`,
        { cause: error },
      );
    }
    this.holds = 1;
  }

  /** Ends one {@link lock}: once every write is done, the last one releases the storage's lock. */
  async unlock(): Promise<void> {
    if (this.holds === 0) return;
    this.holds -= 1;
    if (this.holds > 0) return;
    const held = this.held;
    this.held = undefined;
    await this.writes;
    await held?.release();
  }

  /** Aborted when the lock this store holds was lost (then every write is refused). */
  get lockLost(): AbortSignal | undefined {
    return this.held?.lost;
  }

  /** `util.inspect` / `console.log`: the checkpoint and whether it is locked, never the token. */
  [inspect.custom](): string {
    return `StateStore ${inspect(this.toJSON())}`;
  }

  /** What is safe to show: the checkpoint, the history's length, the lock. */
  toJSON(): Record<string, unknown> {
    return {
      checkpointId: this.#doc?.checkpointId ?? null,
      runs: this.#doc?.logs?.length ?? 0,
      tenant: this.tenant ?? null,
      locked: this.holds > 0,
    };
  }

  /** Reads the document anew (at the start of every run), validating it. */
  async reload(): Promise<StoredState> {
    this.#doc = undefined;
    return this.read();
  }

  /** The document, read once and kept. */
  async read(): Promise<StoredState> {
    if (this.#doc) return this.#doc;
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
    const doc = validate(contents ?? {});
    const token = doc.logs_access_token;
    if (isToken(token)) this.redactor.add(token.token);
    this.claim(doc);
    this.#doc = doc;
    return doc;
  }

  /**
   * Refuses a state holding another tenant's checkpoint or token. A state is the tenant's only
   * while it holds something of it: a recorded tenant without either (left by a failed first run,
   * e.g. with a mistyped domain) is dropped, and ours is recorded by {@link mark} once a checkpoint
   * or token of ours is stored.
   */
  private claim(doc: StoredState): void {
    const ours = this.tenant;
    if (!ours) return;
    if (doc.tenant && !holdsTenantData(doc)) delete doc.tenant;
    const stored = doc.tenant;
    if (stored && tenantDomain(stored.domain) !== ours.domain) {
      throw new StorageError(
        'state_other_tenant',
        `This state belongs to tenant ${stored.domain} (client id ${stored.clientId}), not ${ours.domain}: it holds that tenant's ${heldBy(doc)}. Use one state per tenant.`,
      );
    }
    if (stored && stored.clientId !== ours.clientId) doc.logs_access_token = null;
    this.mark(doc);
  }

  /** Records our tenant in a document that holds a checkpoint or token (of ours), and only then. */
  private mark(doc: StoredState): void {
    const ours = this.tenant;
    if (!ours) return;
    if (holdsTenantData(doc)) {
      if (doc.tenant?.domain !== ours.domain || doc.tenant.clientId !== ours.clientId)
        doc.tenant = { ...ours };
    } else delete doc.tenant;
  }

  private update(change: (doc: StoredState) => void): Promise<void> {
    const run = this.writes.then(async () => {
      const lost = this.held?.lost;
      if (lost?.aborted) throw lost.reason;
      const doc = await this.read();
      change(doc);
      this.mark(doc);
      try {
        await this.context.write(doc);
      } catch (error) {
        // a fenced storage refusing a holder that lost its lease says so in its own code
        if (isStorageError(error) && FENCE_CODES.has(error.code)) throw error;
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

  /** The stored checkpoint; `null` when none was stored. */
  async getCheckpoint(): Promise<string | null> {
    return (await this.read()).checkpointId ?? null;
  }

  /**
   * Stores a new start: the `startFrom` option and the checkpoint it was resolved to, which
   * replaces the stored one even when older (see `startCheckpoint` in src/pipeline/start.ts).
   */
  setStart(startFrom: string, checkpoint: string | null): Promise<void> {
    return this.update((doc) => {
      doc.startFrom = startFrom;
      doc.checkpointId = checkpoint;
    });
  }

  /** Stores a checkpoint after an acknowledged batch. It never moves backwards. */
  saveCheckpoint(checkpoint: string | null): Promise<void> {
    return this.update((doc) => {
      if (checkpointAdvances(doc.checkpointId, checkpoint)) doc.checkpointId = checkpoint;
    });
  }

  /** Appends a run to the history (trimmed oldest-first past the size limit) with its checkpoint. */
  done(status: RunStatus, checkpoint: string | null): Promise<void> {
    return this.update((doc) => {
      const history = (doc.logs ??= []);
      history.push({ ...status, checkpoint });
      trimHistory(doc, history, this.historyLimitBytes);
      if (checkpointAdvances(doc.checkpointId, checkpoint)) doc.checkpointId = checkpoint;
    });
  }
}

/**
 * Drops the oldest runs while the document's compact JSON exceeds `limit` bytes, keeping the newest
 * run. Each entry is serialised once: linear in the history's size.
 */
function trimHistory(doc: StoredState, history: RunStatus[], limit: number): void {
  const rest = Buffer.byteLength(JSON.stringify({ ...doc, logs: [] }), 'utf8');
  const sizes = history.map((run) => Buffer.byteLength(JSON.stringify(run), 'utf8'));
  // entries are joined by commas inside the `[]` already counted in `rest`
  let total = rest + sizes.reduce((sum, size) => sum + size, 0) + history.length - 1;
  let drop = 0;
  while (history.length - drop > 1 && total > limit) {
    total -= (sizes[drop] as number) + 1;
    drop += 1;
  }
  if (drop > 0) history.splice(0, drop);
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
  const tenant = doc.tenant as Partial<StoredTenant> | null | undefined;
  if (
    tenant !== undefined &&
    tenant !== null &&
    (typeof tenant.domain !== 'string' || typeof tenant.clientId !== 'string')
  ) {
    throw new StorageError(
      'storage_invalid',
      'The stored `tenant` must be an object with a `domain` and a `clientId` string',
    );
  }
  if (tenant === null) delete doc.tenant;
  doc.logs ??= [];
  return doc;
}
