import type { LogsApiClientOptions } from './client';
import { DEFAULTS } from './defaults';
import type { LogsHandler } from './delivery';
import { ArgumentError } from './errors';
import { isLogId } from './log-id';
import { typesAtLevel } from './log-types';
import type { Timing } from './retry';
import type { LogEvent, Logger } from './types';

/** What `onBatchFailure` receives for a batch whose retries are spent. */
export interface BatchFailure {
  logs: LogEvent[];
  error: unknown;
  fromCheckpoint: string | null;
  toCheckpoint: string | null;
}

/** Progress after every acknowledged batch. */
export interface RunProgress {
  /** Logs acknowledged (or dead-lettered) so far in this run. */
  logsProcessed: number;
  /** The checkpoint stored so far. */
  checkpoint: string | null;
  /** Date of the newest log acknowledged so far. */
  newestLogDate: string | null;
  /** Batches committed so far. */
  batches: number;
}

/** Options of {@link LogsProcessor}: the client's, and how to run. */
export interface LogsProcessorOptions extends LogsApiClientOptions, Partial<Timing> {
  /** Logs handed to the handler at once, 1 to 1000. @default 100 */
  batchSize?: number | string;
  /** Retries of a failed handler call (and of a failed fetch). @default 5 */
  maxRetries?: number | string;
  /** How long a run may take; `Infinity` runs until caught up. @default 22 */
  maxRunTimeSeconds?: number | string;
  /** Log id to start after, or an ISO date to start at; wins over the stored checkpoint when it changes. */
  startFrom?: string | null;
  /** Log type codes to ship (combined with `logLevel`). @default all */
  logTypes?: readonly string[] | string | null;
  /** Ship types at this level or above (0 debug, 1 info, 2 warning, 3 error, 4 critical). @default all */
  logLevel?: number | string | null;
  /** Batches in the handler at once; the checkpoint only covers a contiguous acknowledged run. @default 1 */
  concurrency?: number;
  /**
   * A batch still failing after `maxRetries`: `'skip'` it (recorded in the status), `'stop'` the run
   * (it is sent again next run), or pass it to an async dead-letter function.
   * @default 'skip'
   */
  onBatchFailure?: 'skip' | 'stop' | ((failure: BatchFailure) => Promise<void>);
  /** Called after every acknowledged batch. */
  onProgress?: (progress: RunProgress) => void;
}

/** Options after defaults and validation. */
export interface ResolvedOptions extends Timing {
  batchSize: number;
  maxRetries: number;
  maxRunTimeSeconds: number;
  startFrom: string | undefined;
  types: string[] | undefined;
  concurrency: number;
  onBatchFailure: NonNullable<LogsProcessorOptions['onBatchFailure']>;
  onProgress: ((progress: RunProgress) => void) | undefined;
  logger: Partial<Logger> | undefined;
}

function integer(name: string, raw: unknown, fallback: number, min: number, max: number): number {
  if (raw === undefined || raw === null || raw === '') return fallback;
  const value = typeof raw === 'string' && /^\s*\d+\s*$/.test(raw) ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ArgumentError(
      `Expected \`${name}\` to be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`,
      name,
    );
  }
  return value;
}

function runTime(raw: unknown): number {
  if (raw === undefined || raw === null || raw === '') return DEFAULTS.maxRunTimeSeconds;
  const value = typeof raw === 'string' ? Number(raw) : raw;
  if (typeof value !== 'number' || !(value > 0)) {
    throw new ArgumentError(
      `Expected \`maxRunTimeSeconds\` to be a positive number (or Infinity), got ${JSON.stringify(raw)}`,
      'maxRunTimeSeconds',
    );
  }
  return value;
}

function logTypeList(raw: unknown): string[] {
  if (raw === undefined || raw === null || raw === '') return [];
  const list =
    typeof raw === 'string'
      ? raw
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean)
      : raw;
  if (!Array.isArray(list) || !list.every((t) => typeof t === 'string' && t.length > 0)) {
    throw new ArgumentError('Expected `logTypes` to be an array of log type codes', 'logTypes');
  }
  return list as string[];
}

/** The types to keep: `logTypes` plus every type at `logLevel` or above; `undefined` keeps all. */
function logFilter(logTypes: unknown, logLevel: unknown): string[] | undefined {
  const types = logTypeList(logTypes);
  const level = integer('logLevel', logLevel, 0, 0, 4);
  const all = new Set([...types, ...(level > 0 ? typesAtLevel(level) : [])]);
  return all.size ? [...all] : undefined;
}

function startFrom(raw: unknown): string | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  if (
    typeof raw === 'string' &&
    (isLogId(raw) || (/^\d{4}-\d{2}-\d{2}/.test(raw) && !Number.isNaN(Date.parse(raw))))
  )
    return raw;
  throw new ArgumentError(
    `Expected \`startFrom\` to be a log id or an ISO 8601 date, got ${JSON.stringify(raw)}`,
    'startFrom',
  );
}

function failurePolicy(raw: unknown): ResolvedOptions['onBatchFailure'] {
  if (raw === undefined) return DEFAULTS.onBatchFailure;
  if (raw === 'skip' || raw === 'stop' || typeof raw === 'function')
    return raw as ResolvedOptions['onBatchFailure'];
  throw new ArgumentError(
    `Expected \`onBatchFailure\` to be 'skip', 'stop' or a function, got ${JSON.stringify(raw)}`,
    'onBatchFailure',
  );
}

/** Copies the options, fills in the defaults and validates them. */
export function resolveOptions(options: LogsProcessorOptions, timing: Timing): ResolvedOptions {
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function') {
    throw new ArgumentError('Expected `onProgress` to be a function', 'onProgress');
  }
  return {
    batchSize: integer(
      'batchSize',
      options.batchSize,
      DEFAULTS.batchSize,
      1,
      DEFAULTS.maxBatchSize,
    ),
    maxRetries: integer('maxRetries', options.maxRetries, DEFAULTS.maxRetries, 0, 100),
    maxRunTimeSeconds: runTime(options.maxRunTimeSeconds),
    startFrom: startFrom(options.startFrom),
    types: logFilter(options.logTypes, options.logLevel),
    concurrency: integer('concurrency', options.concurrency, DEFAULTS.concurrency, 1, 64),
    onBatchFailure: failurePolicy(options.onBatchFailure),
    onProgress: options.onProgress,
    logger: options.logger,
    now: options.now ?? timing.now,
    sleep: options.sleep ?? timing.sleep,
    random: options.random ?? timing.random,
  };
}

/** Rejects anything but a function as the handler. */
export function assertHandler(handler: unknown): asserts handler is LogsHandler {
  if (typeof handler !== 'function')
    throw new ArgumentError(
      'Expected `handler` to be a function (logs, callback) => ...',
      'handler',
    );
}
