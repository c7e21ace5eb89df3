import { loggerOption } from '../util/log';
import type { Timing } from '../pipeline/retry';
import type { Logger } from '../types';
import type { WaitListener } from '../util/wait';
import { booleanOption, functionOption, invalid, maskingSecret } from './check';
import {
  checkpointOption,
  logTypesOption,
  maxRetriesOption,
  runTimeOption,
  timingOption,
  type ResolvedPaging,
} from './paging';
import { categoriesOption } from './shape';

/** The raw paging options of the stream. */
export interface RawStreamOptions extends Partial<Timing> {
  checkpointId?: unknown;
  types?: unknown;
  categories?: unknown;
  maxRetries?: unknown;
  maxRunTimeSeconds?: unknown;
  start?: unknown;
  waitOnRateLimit?: unknown;
  logger?: Partial<Logger>;
  onWait?: unknown;
}

/** Stream options after defaults and validation. */
export interface ResolvedStreamOptions extends ResolvedPaging {
  checkpoint: string | null;
  /** Log Streams categories to keep (added to `types`); `[]`: none named. */
  categories: string[];
  start: number;
  waitOnRateLimit: boolean;
}

/**
 * The stream's options. `types` that is not an array (an object) is ignored, as the original
 * did. Throws an {@link ArgumentError} naming the first bad option.
 */
export function resolveStreamOptions(options: RawStreamOptions): ResolvedStreamOptions {
  return maskingSecret(options, () => resolveStreamOptionsUnmasked(options));
}

function resolveStreamOptionsUnmasked(options: RawStreamOptions): ResolvedStreamOptions {
  const timing = timingOption(options);
  const start = options.start ?? timing.now();
  if (typeof start !== 'number' || !Number.isFinite(start))
    throw invalid('start', 'epoch milliseconds', options.start);
  return {
    ...timing,
    checkpoint: checkpointOption('checkpointId', options.checkpointId, false),
    types:
      typeof options.types === 'object' && options.types !== null && !Array.isArray(options.types)
        ? undefined
        : logTypesOption('types', options.types),
    logLevel: 0,
    categories: categoriesOption(options.categories),
    maxRetries: maxRetriesOption(options.maxRetries),
    maxRunTimeSeconds: runTimeOption(options.maxRunTimeSeconds),
    start,
    waitOnRateLimit: booleanOption('waitOnRateLimit', options.waitOnRateLimit, false),
    logger: loggerOption(options.logger),
    onWait: functionOption('onWait', options.onWait, undefined) as WaitListener | undefined,
  };
}

/** `take` of `next(n)` and `pages(n)`: a positive integer. */
export function takeOption(raw: unknown, fallback: number): number {
  if (raw === undefined) return fallback;
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 1)
    throw invalid('take', 'a positive integer', raw);
  return raw;
}
