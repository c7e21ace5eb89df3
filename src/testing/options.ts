import { randomBytes } from 'node:crypto';
import { ArgumentError } from '../errors';
import { mix, mulberry32 } from './log-catalog';
import { validateRateLimit } from './rate-limiter';
import type { FakeTenantOptions, FakeTenantRuntimeOptions, RateLimitOptions } from './types';

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
}

const TWO_DAYS_MS = 2 * 24 * 3600 * 1000;
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function number(name: string, value: unknown, min: number, max: number, integer: boolean): number {
  const ok =
    typeof value === 'number' &&
    (integer ? Number.isInteger(value) : Number.isFinite(value)) &&
    value >= min &&
    value <= max;
  if (!ok) {
    const what = integer ? 'an integer' : 'a number';
    const range = max === Infinity ? `>= ${min}` : `from ${min} to ${max}`;
    throw new ArgumentError(
      `Expected \`${name}\` to be ${what} ${range}, got ${String(value)}`,
      name,
    );
  }
  return value;
}

function text(name: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new ArgumentError(`Expected \`${name}\` to be a non-empty string`, name);
  }
  return value;
}

function fn<T extends (...args: never[]) => unknown>(name: string, value: unknown): T {
  if (typeof value !== 'function') {
    throw new ArgumentError(`Expected \`${name}\` to be a function`, name);
  }
  return value as T;
}

function randomId(length: number): string {
  const bytes = randomBytes(length);
  let id = '';
  for (const byte of bytes) id += ALNUM[byte % ALNUM.length];
  return id;
}

/** Checks the options that {@link FakeTenant.setOptions} accepts; also used at start. */
export function checkRuntimeOptions(options: FakeTenantRuntimeOptions): void {
  if (options.latencyMs !== undefined) number('latencyMs', options.latencyMs, 0, Infinity, false);
  if (options.connectLatencyMs !== undefined) {
    number('connectLatencyMs', options.connectLatencyMs, 0, Infinity, false);
  }
  if (options.failRate !== undefined) number('failRate', options.failRate, 0, 1, false);
  if (options.rateLimit) validateRateLimit(options.rateLimit);
}

/** Copies the options, fills the defaults and validates; throws {@link ArgumentError}. */
export function resolveOptions(options: FakeTenantOptions): ResolvedOptions {
  const o = { ...options };
  checkRuntimeOptions(o);
  const now = o.now === undefined ? Date.now : fn<() => number>('now', o.now);
  const seed = o.seed === undefined ? 1 : number('seed', o.seed, 0, 2 ** 32 - 1, true);
  const startedAt = now();
  const startMs =
    o.startDate === undefined ? startedAt - TWO_DAYS_MS : new Date(o.startDate).getTime();
  if (!Number.isFinite(startMs) || startMs > startedAt) {
    throw new ArgumentError(
      `Expected \`startDate\` to be a valid date no later than now, got ${String(o.startDate)}`,
      'startDate',
    );
  }
  const endMs = o.endDate === undefined ? startedAt : new Date(o.endDate).getTime();
  if (!Number.isFinite(endMs) || endMs < startMs || endMs > startedAt) {
    throw new ArgumentError(
      `Expected \`endDate\` to be a valid date from \`startDate\` to now, got ${String(o.endDate)}`,
      'endDate',
    );
  }
  return {
    port: o.port === undefined ? 0 : number('port', o.port, 0, 65535, true),
    host: o.host === undefined ? '127.0.0.1' : text('host', o.host),
    logs: o.logs === undefined ? 1000 : number('logs', o.logs, 0, Number.MAX_SAFE_INTEGER, true),
    growth: o.growth === undefined ? 0 : number('growth', o.growth, 0, Infinity, false),
    latencyMs: o.latencyMs ?? 0,
    connectLatencyMs: o.connectLatencyMs ?? 0,
    rateLimit: o.rateLimit && { burst: o.rateLimit.burst, perSecond: o.rateLimit.perSecond },
    failRate: o.failRate ?? 0,
    random: o.random === undefined ? mulberry32(mix(seed, 0xfa11)) : fn('random', o.random),
    tokenTtlSeconds:
      o.tokenTtlSeconds === undefined
        ? 86400
        : number('tokenTtlSeconds', o.tokenTtlSeconds, 1, Infinity, false),
    clientId: o.clientId === undefined ? randomId(32) : text('clientId', o.clientId),
    clientSecret:
      o.clientSecret === undefined
        ? randomBytes(48).toString('base64url')
        : text('clientSecret', o.clientSecret),
    startMs,
    endMs,
    seed,
    now,
  };
}
