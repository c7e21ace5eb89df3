import { randomBytes } from 'node:crypto';
import { functionOption, integerOption, invalid, numberOption } from '../options/check';
import { LIMITS, type Range } from '../options/limits';
import { mix, mulberry32 } from './log-catalog';
import { validateRateLimit } from './rate-limiter';
import type { Arrival, Burst } from './arrival';
import type {
  FakeTenantBurst,
  FakeTenantOptions,
  FakeTenantRuntimeOptions,
  RateLimitOptions,
} from './types';

/** {@link FakeTenantOptions} with every default filled in and checked. */
export interface ResolvedOptions {
  port: number;
  host: string;
  logs: number;
  growth: number;
  latencyMs: number;
  connectLatencyMs: number;
  rateLimit: RateLimitOptions | undefined;
  failRate: number;
  random: () => number;
  tokenTtlSeconds: number;
  clientId: string;
  clientSecret: string;
  /** Date (epoch ms) of the last initial log. */
  endMs: number;
  startMs: number;
  seed: number;
  now: () => number;
  lateShare: number;
  lateMs: number;
  /** Days a log is kept (Infinity: forever). */
  retentionDays: number;
  arrival: Arrival;
  bursts: Burst[];
}

const TWO_DAYS_MS = 2 * 24 * 3600 * 1000;
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A number (or an integer) in `range`, given. */
function number(name: string, value: unknown, range: Range, integer: boolean): number {
  return integer
    ? integerOption(name, value, undefined, range, { strict: true })
    : numberOption(name, value, undefined, range);
}

const AT_LEAST_0: Range = { min: 0, max: Infinity };
/** A late log is at most a day late. */
const LATE_MS: Range = { min: 1, max: 86_400_000 };

/** A string of at least one character (a credential: its message shows only its type). */
function text(name: string, value: unknown, secret = false): string {
  if (typeof value !== 'string' || value.length === 0)
    throw invalid(name, 'a non-empty string', value, { secret });
  return value;
}

function randomId(length: number): string {
  const bytes = randomBytes(length);
  let id = '';
  for (const byte of bytes) id += ALNUM[byte % ALNUM.length];
  return id;
}

/** Checks the options that {@link FakeTenant.setOptions} accepts; also used at start. */
export function checkRuntimeOptions(options: FakeTenantRuntimeOptions): void {
  if (options.latencyMs !== undefined) number('latencyMs', options.latencyMs, AT_LEAST_0, false);
  if (options.connectLatencyMs !== undefined) {
    number('connectLatencyMs', options.connectLatencyMs, AT_LEAST_0, false);
  }
  if (options.failRate !== undefined)
    number('failRate', options.failRate, { min: 0, max: 1 }, false);
  if (options.rateLimit) validateRateLimit(options.rateLimit);
}

/** Copies the options, fills the defaults and validates; throws {@link ArgumentError}. */
export function resolveOptions(options: FakeTenantOptions): ResolvedOptions {
  const o = { ...options };
  checkRuntimeOptions(o);
  const now = functionOption<() => number>('now', o.now, Date.now);
  const seed =
    o.seed === undefined ? 1 : number('seed', o.seed, { min: 0, max: 2 ** 32 - 1 }, true);
  const startedAt = now();
  const startMs =
    o.startDate === undefined ? startedAt - TWO_DAYS_MS : new Date(o.startDate).getTime();
  if (!Number.isFinite(startMs) || startMs > startedAt) {
    throw invalid('startDate', 'a valid date no later than now', o.startDate);
  }
  const endMs = o.endDate === undefined ? startedAt : new Date(o.endDate).getTime();
  if (!Number.isFinite(endMs) || endMs < startMs || endMs > startedAt) {
    throw invalid('endDate', 'a valid date from `startDate` to now', o.endDate);
  }
  return {
    port: o.port === undefined ? 0 : number('port', o.port, LIMITS.port, true),
    host: o.host === undefined ? '127.0.0.1' : text('host', o.host),
    logs:
      o.logs === undefined
        ? 1000
        : number('logs', o.logs, { min: 0, max: Number.MAX_SAFE_INTEGER }, true),
    growth: o.growth === undefined ? 0 : number('growth', o.growth, AT_LEAST_0, false),
    latencyMs: o.latencyMs ?? 0,
    connectLatencyMs: o.connectLatencyMs ?? 0,
    rateLimit: o.rateLimit && { burst: o.rateLimit.burst, perSecond: o.rateLimit.perSecond },
    failRate: o.failRate ?? 0,
    random: functionOption('random', o.random, mulberry32(mix(seed, 0xfa11))),
    tokenTtlSeconds:
      o.tokenTtlSeconds === undefined
        ? 86400
        : number('tokenTtlSeconds', o.tokenTtlSeconds, { min: 1, max: Infinity }, false),
    clientId: o.clientId === undefined ? randomId(32) : text('clientId', o.clientId, true),
    clientSecret:
      o.clientSecret === undefined
        ? randomBytes(48).toString('base64url')
        : text('clientSecret', o.clientSecret, true),
    startMs,
    endMs,
    seed,
    now,
    lateShare:
      o.lateShare === undefined ? 0 : number('lateShare', o.lateShare, { min: 0, max: 1 }, false),
    lateMs: o.lateMs === undefined ? 2500 : number('lateMs', o.lateMs, LATE_MS, true),
    retentionDays:
      o.retentionDays === undefined
        ? Infinity
        : number('retentionDays', o.retentionDays, { min: 0, max: Infinity }, false),
    arrival: arrivalOption(o.arrival),
    bursts: burstsOption(o.bursts, startMs, endMs),
  };
}

function arrivalOption(raw: unknown): Arrival {
  if (raw === undefined || raw === 'even' || raw === 'realistic') return raw ?? 'even';
  throw invalid('arrival', "'even' or 'realistic'", raw);
}

/** Each burst within `startMs .. endMs`, its `at` as epoch ms. */
function burstsOption(raw: unknown, startMs: number, endMs: number): Burst[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw invalid('bursts', 'an array of { at, logs, seconds }', raw);
  return raw.map((item: unknown, i) => {
    const name = `bursts[${i}]`;
    if (typeof item !== 'object' || item === null)
      throw invalid(name, 'an object { at, logs, seconds }', item);
    const burst = item as Partial<FakeTenantBurst>;
    const logs = number(`${name}.logs`, burst.logs, { min: 1, max: Number.MAX_SAFE_INTEGER }, true);
    const seconds = number(`${name}.seconds`, burst.seconds, { min: 0.001, max: Infinity }, false);
    const atMs = burst.at === undefined ? NaN : new Date(burst.at).getTime();
    if (!Number.isFinite(atMs) || atMs < startMs || atMs + seconds * 1000 > endMs) {
      throw invalid(
        `${name}.at`,
        'a date whose burst lies within `startDate` to `endDate`',
        burst.at,
      );
    }
    return { atMs, logs, seconds };
  });
}
