import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { DESTINATION_KINDS, DESTINATION_SPECS, type DestinationKind } from '../destinations/config';
import { ArgumentError, errorMessage } from '../errors';
import { integerOption, numberOption } from '../options/check';
import { LIMITS, type Range } from '../options/limits';
import { checkpointOption, START_FROM_MAX_AHEAD_MS } from '../options/paging';
import { LEASE_DEFAULTS } from '../storage/lease';
import { jsonErrorPlace } from '../util/json-error';
import { nearest } from '../util/nearest';
import { expandEnv } from './env';
import { tenantOptionProblems } from './tenant-options';
import { PII_KEY_VARIABLE } from '../options/shape';
import { isLoopback } from '../destinations/address';
import { parseListen } from '../receive/listen';
import { RECEIVER_DEFAULTS } from '../receive/server';
import { RECONCILE_DEFAULTS } from '../receive/reconcile';
import type { ClusterReceiveOptions } from './receive-options';

/** Defaults of a `serve` configuration. */
export const SERVE_DEFAULTS = Object.freeze({
  /** BullMQ queue name, and the prefix of every key and state row of the cluster. */
  queue: 'auth0-log-tools',
  leaseSeconds: LEASE_DEFAULTS.leaseSeconds,
  /** Seconds between two runs of a tenant. */
  intervalSeconds: 10,
  /** Longest wait between two attempts of a tenant whose runs fail. */
  maxBackoffSeconds: 300,
  /** Longest wait for Redis at start (connecting, retrying, creating the job schedulers). */
  startTimeoutSeconds: 10,
  /**
   * Longest wait at stop for the batches in flight and a clean close; after it the connections are
   * dropped (a lease left behind expires after `leaseSeconds`).
   */
  stopTimeoutSeconds: 30,
});

const text = z.string().min(1);

const START_FROM =
  'must be a log id, an ISO 8601 date (2026-01-31T00:00:00Z) or now (used while the tenant has no checkpoint)';
/** `now`, a log id or an ISO 8601 date, as `startFrom` takes them. */
function isStartFrom(value: string): boolean {
  if (value === 'now') return true;
  try {
    return checkpointOption('startFrom', value, true) !== null;
  } catch {
    return false;
  }
}

/**
 * Why a `deadLetter` path cannot be written, as `ship --dead-letter` refuses it: a folder, or in a
 * folder that does not exist (never created behind the operator's back). `undefined` when usable.
 */
function deadLetterProblem(file: string): string | undefined {
  const stat = (at: string) => {
    try {
      return statSync(at);
    } catch {
      return undefined; // absent (created by the first refused log) or unreadable (the run says why)
    }
  };
  if (stat(file)?.isDirectory()) return `${file} is a folder; give the path of a file`;
  const dir = path.dirname(file);
  if (!stat(dir)?.isDirectory()) return `the folder ${dir} does not exist; create it first`;
  return undefined;
}

/** A `startFrom` date at most {@link START_FROM_MAX_AHEAD_MS} ahead of the local clock (`ship`'s rule). */
function notTooFarAhead(value: string): boolean {
  if (value === 'now' || /^\d+$/.test(value)) return true;
  const at = Date.parse(value);
  return Number.isNaN(at) || at <= Date.now() + START_FROM_MAX_AHEAD_MS;
}

/**
 * A number zod checks the type of and the options kit the range of, so a refusal reads as the
 * library's do (``Expected `batchSize` to be an integer from 1 to 100, got 0``).
 */
const ranged = (name: string, range: Range, integer = false) =>
  z.number().superRefine((value, ctx) => {
    try {
      if (integer) integerOption(name, value, undefined, range, { strict: true });
      else numberOption(name, value, undefined, range);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: errorMessage(error) });
    }
  });
const url = (schemes: string[]) =>
  text.refine(
    (value) => {
      try {
        return schemes.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    `must be a URL (${schemes.join(' or ')})`,
  );

const postSchema = z.strictObject({
  url: url(['https:', 'http:']),
  headers: z.record(z.string(), z.string()).optional(),
  timeoutMs: ranged('timeoutMs', LIMITS.timeoutMs, true).optional(),
  /** Allows a plain `http://` url to a host that is not a loopback address. */
  allowInsecureHttp: z.boolean().optional(),
});

const destinationSchema = z.strictObject({
  address: text,
  options: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  /** The kind's secrets by factory option (`token`, `apiKey`, ...): use `${NAME}` here. */
  secrets: z.record(z.string(), z.string()).optional(),
});

/** A tenant's optional `<kind>:` entry for each kind a configuration can name (the spec table's). */
const destinationEntries = Object.fromEntries(
  DESTINATION_KINDS.map((kind) => [kind, destinationSchema.optional()]),
) as Record<DestinationKind, z.ZodOptional<typeof destinationSchema>>;

/** A tenant's Log Stream: the path of the listener Auth0 posts to, the env var of its token. */
const tenantReceive = z.strictObject({
  path: text.regex(/^\/[^?#\s]*$/, 'must start with / and hold no ?, # or space'),
  /** The environment variable holding the stream's Authorization token (never the token). */
  tokenEnv: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be the name of an environment variable')
    .optional(),
});

/** The Log Stream listener of every worker (as `receive`'s flags). */
const receiveSchema = z.strictObject({
  listen: text,
  tlsCert: text.optional(),
  tlsKey: text.optional(),
  behindTlsProxy: z.boolean().optional(),
  bodyLimit: ranged('bodyLimit', { min: 1024, max: 1024 * 1024 * 1024 }, true).optional(),
  reconcileSettleSeconds: ranged('reconcileSettleSeconds', { min: 0, max: 86_400 }).optional(),
  retentionDays: ranged('retentionDays', { min: 1, max: 365 }).optional(),
});

const tenant = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1 to 64 letters, digits, _ . or -'),
  domain: text,
  clientId: text,
  clientSecret: text,
  ca: text.optional(),
  intervalSeconds: ranged('intervalSeconds', LIMITS.intervalSeconds).optional(),
  batchSize: ranged('batchSize', LIMITS.batchSize, true).optional(),
  /** Where a tenant without a checkpoint starts: a log id, an ISO 8601 date or `now`. */
  startFrom: text
    .refine(isStartFrom, START_FROM)
    .refine(notTooFarAhead, {
      message:
        "must not be a date more than a day ahead of this machine's clock: the tenant would skip every log until then; give a past date, a log id or now",
    })
    .optional(),
  maxRunTimeSeconds: ranged('maxRunTimeSeconds', LIMITS.maxRunTimeSeconds).optional(),
  logTypes: z.array(text).optional(),
  /** Log Streams filter categories (the processor's `categories`). */
  categories: z.array(text).optional(),
  /** `raw` or `stream` (`{ log_id, data }`), the processor's `format`. */
  format: z.enum(['raw', 'stream']).optional(),
  /** Personal data to hide (the processor's `pii`); `piiMethod: hash` keys from AUTH0_LOG_TOOLS_PII_KEY. */
  pii: z.array(text).optional(),
  piiMethod: z.enum(['mask', 'hash']).optional(),
  onBatchFailure: z.enum(['stop', 'skip']).optional(),
  deadLetter: text.optional(),
  post: postSchema.optional(),
  ...destinationEntries,
  /**
   * Several destinations from one read: each entry one destination as a tenant's own keys give it
   * (`{ post: {...} }`, `{ s3: {...} }`); instead of those keys.
   */
  destinations: z
    .array(z.strictObject({ post: postSchema.optional(), ...destinationEntries }))
    .min(1)
    .optional(),
  /** The tenant's Log Stream on the top-level `receive` listener; its runs then reconcile. */
  receive: tenantReceive.optional(),
});

const config = z.strictObject({
  redis: url(['redis:', 'rediss:']).optional(),
  postgres: url(['postgres:', 'postgresql:']).optional(),
  queue: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1 to 64 letters, digits, _ or -')
    .optional(),
  leaseSeconds: ranged('leaseSeconds', LIMITS.leaseSeconds).optional(),
  /** The address `/metrics` and `/healthz` listen on (`--metrics-host` wins). */
  metricsHost: text.optional(),
  /** Every tenant's `maxRunTimeSeconds` unless it sets its own. */
  maxRunTimeSeconds: ranged('maxRunTimeSeconds', LIMITS.maxRunTimeSeconds).optional(),
  /** The Log Stream listener of every worker, for the tenants with a `receive`. */
  receive: receiveSchema.optional(),
  tenants: z.array(tenant).min(1),
});

/** A destination of another kind than `post`, as the configuration gives it. */
export interface DestinationEntry {
  kind: string;
  address: string;
  options?: Record<string, string | number | boolean>;
  secrets?: Record<string, string>;
}

/** One tenant of a {@link ServeConfig}, defaults filled in. */
export interface TenantConfig {
  id: string;
  domain: string;
  clientId: string;
  clientSecret: string;
  /** PEM text of the `ca` file, when one was given. */
  ca?: string;
  intervalSeconds: number;
  batchSize?: number;
  logTypes?: string[];
  /** Log Streams filter categories to ship. */
  categories?: string[];
  /** `raw` (default) or `stream`: `{ log_id, data }`. */
  format?: 'raw' | 'stream';
  /** Personal data to hide, by `piiMethod` (`mask` by default). */
  pii?: string[];
  piiMethod?: 'mask' | 'hash';
  /** The `hash` key: the serving process's AUTH0_LOG_TOOLS_PII_KEY (a secret, as `clientSecret`). */
  piiKey?: string;
  /** A batch still failing after its retries: `stop` the run (default, `SHIPPER_DEFAULTS`) or `skip` it. */
  onBatchFailure?: 'stop' | 'skip';
  /** NDJSON file the logs a destination refuses for good are appended to (`fileDeadLetter`). */
  deadLetter?: string;
  /** A log id, an ISO 8601 date or `now`: where the tenant starts while it has no checkpoint. */
  startFrom?: string;
  /** Longest run, in seconds (the tenant's, else the top level's); unset: until caught up. */
  maxRunTimeSeconds?: number;
  post?: PostEntry;
  destination?: DestinationEntry;
  /**
   * Several destinations from one read (the `destinations` key), each a `post` or another kind;
   * then `post` and `destination` are absent. Each batch goes to every one of them and is
   * acknowledged once all stored it (`destinations.fanout`).
   */
  destinations?: TenantDestination[];
  /** The tenant's Log Stream: its path on the listener and its token (read from `tokenEnv`). */
  receive?: { path: string; token?: string };
}

/** A tenant's `post` destination, as the configuration gives it. */
export interface PostEntry {
  url: string;
  headers: Record<string, string>;
  timeoutMs?: number;
  allowInsecureHttp?: boolean;
}

/** One entry of a tenant's `destinations`: `post` or another kind (exactly one is set). */
export interface TenantDestination {
  post?: PostEntry;
  destination?: DestinationEntry;
}

/** A validated `serve` configuration, `${NAME}` references replaced. */
export interface ServeConfig {
  redis?: string;
  postgres?: string;
  queue: string;
  leaseSeconds: number;
  metricsHost?: string;
  /** The Log Stream listener (`receive`), TLS files read. */
  receive?: ClusterReceiveOptions;
  tenants: TenantConfig[];
}

function postEntry(post: z.infer<typeof postSchema>): PostEntry {
  const out: PostEntry = { url: post.url, headers: post.headers ?? {} };
  if (post.timeoutMs !== undefined) out.timeoutMs = post.timeoutMs;
  if (post.allowInsecureHttp) out.allowInsecureHttp = true;
  return out;
}

/** `tenants[1].post.url` (tenant "acme") */
function where(doc: unknown, at: ReadonlyArray<PropertyKey>): string {
  const name = at
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i ? '.' : ''}${String(part)}`))
    .join('');
  if (at[0] === 'tenants' && typeof at[1] === 'number') {
    const id = (doc as { tenants?: Array<{ id?: unknown }> }).tenants?.[at[1]]?.id;
    if (typeof id === 'string') return `${name} (tenant "${id}")`;
  }
  return name || 'the configuration';
}

/**
 * Validates a parsed `serve` configuration: every key known, every required one present, tenant ids
 * unique, exactly one destination per tenant, every `${NAME}` set in `env`. Throws an
 * `ArgumentError` listing each problem with its key path and tenant id; values (secrets) are never
 * quoted. `baseDir` resolves relative `ca` and `deadLetter` paths.
 */
export function parseServeConfig(
  raw: unknown,
  env: Record<string, string | undefined> = process.env,
  baseDir = process.cwd(),
): ServeConfig {
  const problems: string[] = [];
  const { value, missing } = expandEnv(raw, env);
  for (const { path: at, name } of missing)
    problems.push(`${where(raw, at)}: the environment variable ${name} is not set`);
  const parsed = config.safeParse(value);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      if (issue.code === 'unrecognized_keys')
        for (const key of issue.keys)
          problems.push(
            `${where(raw, [...issue.path, key])}: unknown key${didYouMean(key, issue.path)}`,
          );
      else if (issue.code === 'invalid_type') {
        const given = valueAt(value, issue.path);
        problems.push(
          given === undefined
            ? `${where(raw, issue.path)}: missing`
            : `${where(raw, issue.path)}: expected ${article(issue.expected)}, got ${kindOf(given)}`,
        );
      } else problems.push(`${where(raw, issue.path)}: ${issue.message}`);
    }
  }
  if ((value as { redis?: unknown } | null)?.redis === undefined)
    problems.push('redis: missing (BullMQ runs on Redis; postgres only keeps the checkpoints)');
  if (problems.length || !parsed.success) throw invalid(problems);
  const doc = parsed.data;
  const seen = new Set<string>();
  const tenants = doc.tenants.map((t, i): TenantConfig => {
    const at = `tenants[${i}] (tenant "${t.id}")`;
    if (seen.has(t.id)) problems.push(`${at}.id: duplicate tenant id`);
    seen.add(t.id);
    const kinds = DESTINATION_KINDS.filter((kind) => t[kind] !== undefined);
    const count = kinds.length + (t.post ? 1 : 0);
    if (t.destinations !== undefined && count > 0)
      problems.push(
        `${at}: has destinations and ${[...(t.post ? ['post'] : []), ...kinds].join(', ')}: put every destination in destinations`,
      );
    else if (t.destinations === undefined && count !== 1)
      problems.push(
        `${at}: needs exactly one destination (post, ${DESTINATION_KINDS.join(', ')}), or several in destinations, got ${count}`,
      );
    const entryOf = (
      e: { post?: z.infer<typeof postSchema> | undefined } & {
        [K in DestinationKind]?: z.infer<typeof destinationSchema> | undefined;
      },
      here: string,
    ): TenantDestination => {
      const kind = DESTINATION_KINDS.find((k) => e[k] !== undefined);
      if (e.post) return { post: postEntry(e.post) };
      if (!kind) return {};
      const entry = e[kind] as z.infer<typeof destinationSchema>;
      const allowed = Object.keys(DESTINATION_SPECS[kind].secrets);
      for (const name of Object.keys(entry.secrets ?? {}))
        if (!allowed.includes(name))
          problems.push(`${here}.${kind}.secrets.${name}: unknown key (${allowed.join(', ')})`);
      const destination: DestinationEntry = { kind, address: entry.address };
      if (entry.options) destination.options = entry.options;
      if (entry.secrets) destination.secrets = entry.secrets;
      return { destination };
    };
    const list = (t.destinations ?? []).map((e, j) => {
      const here = `${at}.destinations[${j}]`;
      const n = DESTINATION_KINDS.filter((k) => e[k] !== undefined).length + (e.post ? 1 : 0);
      if (n !== 1)
        problems.push(
          `${here}: needs exactly one destination (post, ${DESTINATION_KINDS.join(', ')}), got ${n}`,
        );
      return entryOf(e, here);
    });
    let ca: string | undefined;
    if (t.ca) {
      try {
        ca = readFileSync(path.resolve(baseDir, t.ca), 'utf8');
      } catch (error) {
        problems.push(
          `${at}.ca: cannot read ${t.ca} (${(error as NodeJS.ErrnoException).code ?? errorMessage(error)})`,
        );
      }
    }
    const destination =
      t.post === undefined && kinds.length === 1 ? entryOf(t, at).destination : undefined;
    const out: TenantConfig = {
      id: t.id,
      domain: t.domain,
      clientId: t.clientId,
      clientSecret: t.clientSecret,
      intervalSeconds: t.intervalSeconds ?? SERVE_DEFAULTS.intervalSeconds,
    };
    if (ca !== undefined) out.ca = ca;
    if (t.batchSize !== undefined) out.batchSize = t.batchSize;
    if (t.logTypes) out.logTypes = t.logTypes;
    if (t.categories) out.categories = t.categories;
    if (t.format !== undefined) out.format = t.format;
    if (t.pii) out.pii = t.pii;
    if (t.piiMethod !== undefined) out.piiMethod = t.piiMethod;
    const piiKey = env[PII_KEY_VARIABLE];
    if (t.piiMethod === 'hash' && piiKey) out.piiKey = piiKey;
    if (t.onBatchFailure !== undefined) out.onBatchFailure = t.onBatchFailure;
    if (t.deadLetter !== undefined) {
      out.deadLetter = path.resolve(baseDir, t.deadLetter);
      const problem = deadLetterProblem(out.deadLetter);
      if (problem) problems.push(`${where(raw, ['tenants', i, 'deadLetter'])}: ${problem}`);
    }
    if (t.startFrom !== undefined) out.startFrom = t.startFrom;
    const maxRunTimeSeconds = t.maxRunTimeSeconds ?? doc.maxRunTimeSeconds;
    if (maxRunTimeSeconds !== undefined) out.maxRunTimeSeconds = maxRunTimeSeconds;
    if (t.post) out.post = postEntry(t.post);
    if (destination) out.destination = destination;
    if (t.destinations) out.destinations = list;
    // the library's own rules, as every run would apply them
    for (const { option, message } of tenantOptionProblems(out))
      problems.push(`${where(raw, ['tenants', i, ...(option ? [option] : [])])}: ${message}`);
    return out;
  });
  const receive = receiveOf(doc, env, baseDir, tenants, (at, message) =>
    problems.push(`${where(raw, at)}: ${message}`),
  );
  if (problems.length) throw invalid(problems);
  const result: ServeConfig = {
    queue: doc.queue ?? SERVE_DEFAULTS.queue,
    leaseSeconds: doc.leaseSeconds ?? SERVE_DEFAULTS.leaseSeconds,
    tenants,
  };
  if (doc.redis) result.redis = doc.redis;
  if (doc.postgres) result.postgres = doc.postgres;
  if (doc.metricsHost) result.metricsHost = doc.metricsHost;
  if (receive) result.receive = receive;
  return result;
}

/**
 * The listener of `receive` and each tenant's `receive` (its token read from `tokenEnv`, set on
 * `tenants`), as the `receive` command checks its flags: a listen address other than loopback
 * needs TLS (`tlsCert`/`tlsKey`) or `behindTlsProxy`; every tenant needs its `tokenEnv` (on loopback
 * too: a proxy makes it reachable); paths unique.
 * Each problem is told to `problem` with its key path.
 */
function receiveOf(
  doc: z.infer<typeof config>,
  env: Record<string, string | undefined>,
  baseDir: string,
  tenants: TenantConfig[],
  problem: (at: PropertyKey[], message: string) => void,
): ClusterReceiveOptions | undefined {
  const listener = doc.receive;
  const paths = new Map<string, string>();
  let loopback = true;
  let out: ClusterReceiveOptions | undefined;
  if (listener) {
    const listen = parseListen(listener.listen, RECEIVER_DEFAULTS.host);
    if (!listen)
      problem(
        ['receive', 'listen'],
        'must be <host>:<port> (e.g. 127.0.0.1:8080, 0.0.0.0:8443, [::1]:8080)',
      );
    loopback = listen === undefined || isLoopback(listen.host);
    const pem = (key: 'tlsCert' | 'tlsKey'): string | undefined => {
      const file = listener[key];
      if (file === undefined) return undefined;
      try {
        const content = readFileSync(path.resolve(baseDir, file), 'utf8');
        if (content.includes('-----BEGIN ')) return content;
        problem(['receive', key], `${file} does not hold PEM`);
      } catch (error) {
        problem(
          ['receive', key],
          `cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? errorMessage(error)})`,
        );
      }
      return undefined;
    };
    const cert = pem('tlsCert');
    const key = pem('tlsKey');
    if ((listener.tlsCert === undefined) !== (listener.tlsKey === undefined))
      problem(['receive'], 'give tlsCert and tlsKey together');
    if (listener.tlsCert !== undefined && listener.behindTlsProxy)
      problem(['receive'], 'give tlsCert/tlsKey or behindTlsProxy, not both');
    if (!loopback && listener.tlsCert === undefined && !listener.behindTlsProxy)
      problem(
        ['receive', 'listen'],
        `${listen?.host ?? ''} is reachable from other machines: Auth0 posts over HTTPS only, so give tlsCert and tlsKey, or behindTlsProxy: true when a proxy in front terminates TLS`,
      );
    if (!doc.tenants.some((t) => t.receive))
      problem(['receive'], 'no tenant has a receive block (its path and tokenEnv)');
    out = {
      host: listen?.host ?? RECEIVER_DEFAULTS.host,
      port: listen?.port ?? RECEIVER_DEFAULTS.port,
      settleSeconds: listener.reconcileSettleSeconds ?? RECONCILE_DEFAULTS.settleSeconds,
    };
    if (cert !== undefined && key !== undefined) out.tls = { cert, key };
    if (listener.bodyLimit !== undefined) out.bodyLimit = listener.bodyLimit;
    if (listener.retentionDays !== undefined) out.retentionDays = listener.retentionDays;
  }
  doc.tenants.forEach((t, i) => {
    const own = t.receive;
    if (!own) return;
    const at = ['tenants', i, 'receive'];
    if (!listener)
      problem(at, 'needs the top-level receive (its listen address: one listener for all tenants)');
    const other = paths.get(own.path);
    if (other !== undefined)
      problem([...at, 'path'], `${own.path} is tenant "${other}"'s path too`);
    else if (own.path === '/metrics' || own.path === '/healthz')
      problem([...at, 'path'], `${own.path} is the listener's own; give another path`);
    paths.set(own.path, t.id);
    // the stream's logs reach the destination as Auth0 posts them: what the processor would change
    // (filter, hide, wrap) would hold for the reconciled logs only
    for (const key of ['logTypes', 'categories', 'pii', 'format'] as const)
      if (t[key] !== undefined)
        problem(
          ['tenants', i, key],
          `cannot go with receive: the stream's logs are shipped as Auth0 posts them (filter the stream's categories in Auth0); remove ${key} or receive`,
        );
    let token: string | undefined;
    if (own.tokenEnv !== undefined) {
      token = env[own.tokenEnv] || undefined;
      if (token === undefined)
        problem([...at, 'tokenEnv'], `the environment variable ${own.tokenEnv} is not set`);
    } else
      // required on loopback too: a proxy on the same machine makes the listener reachable
      problem(
        [...at, 'tokenEnv'],
        "missing: name the environment variable of the stream's Authorization token, so that only Auth0 can post (a loopback listener behind a proxy is as reachable as any)",
      );
    const target = tenants[i] as TenantConfig;
    target.receive = { path: own.path, ...(token === undefined ? {} : { token }) };
  });
  return out;
}

/** Reads and validates a `serve --config` file (JSON); relative `ca` paths are the file's. */
export function loadServeConfig(
  file: string,
  env: Record<string, string | undefined> = process.env,
): ServeConfig {
  let textContent: string;
  try {
    textContent = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ArgumentError(
      `Cannot read --config ${file}: ${(error as NodeJS.ErrnoException).code ?? errorMessage(error)}`,
      'config',
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(textContent);
  } catch (error) {
    const place = jsonErrorPlace(textContent, error);
    throw new ArgumentError(
      `--config ${file} is not valid JSON${place ? ` at ${place}` : ''}: ${errorMessage(error)}`,
      'config',
    );
  }
  return parseServeConfig(raw, env, path.dirname(path.resolve(file)));
}

/** `; did you mean \`tenants\`?` for a key near one the object at `at` knows; else empty. */
function didYouMean(key: string, at: ReadonlyArray<PropertyKey>): string {
  let schema: unknown = config;
  for (const part of [...at, undefined]) {
    while (schema instanceof z.ZodOptional) schema = schema.unwrap();
    if (schema instanceof z.ZodArray && typeof part === 'number') schema = schema.element;
    else if (schema instanceof z.ZodObject && part !== undefined)
      schema = (schema.shape as Record<PropertyKey, unknown>)[part];
    else if (part !== undefined) return '';
  }
  const near = schema instanceof z.ZodObject ? nearest(key, Object.keys(schema.shape)) : undefined;
  return near ? `; did you mean \`${near}\`?` : '';
}

/** The value at `at` in `doc`, or `undefined`. */
function valueAt(doc: unknown, at: ReadonlyArray<PropertyKey>): unknown {
  let here = doc;
  for (const part of at) {
    if (here === null || typeof here !== 'object') return undefined;
    here = (here as Record<PropertyKey, unknown>)[part];
  }
  return here;
}

const ARTICLES: Record<string, string> = {
  int: 'an integer',
  array: 'an array',
  object: 'an object',
};

/** `number` reads `a number`; `int` reads `an integer`. */
function article(expected: string): string {
  return ARTICLES[expected] ?? `a ${expected}`;
}

/** The type of a configuration value, never the value: `a string`, `an array`, `null`. */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return article(typeof value);
}

function invalid(problems: string[]): ArgumentError {
  return new ArgumentError(
    `Invalid serve configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    'config',
  );
}
