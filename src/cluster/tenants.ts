import { isLoopback } from '../destinations/address';
import { DESTINATION_SPECS, type DestinationKind, createDestination } from '../destinations/config';
import type { DestinationHandler } from '../destinations/handler';
import type { GatheringHandler, LogEvent, WarningSource } from '../types';
import { type FanoutHandler, fanout } from '../destinations/fanout';
import { credentialsFromUrl } from '../destinations/post';
import { ArgumentError } from '../errors';
import type { TenantConfig, TenantDestination } from './config';
import { tenantProcessorOptions } from './tenant-options';
import type { ClusterTenant } from './worker-options';

/**
 * The {@link ClusterTenant} of a configured tenant: its `LogsProcessor` options and its destination
 * (every kind through `createDestination`: `post` with its headers as options, the other kinds
 * with their `secrets` given as the kind's environment variables). Throws an `ArgumentError` naming the
 * tenant when a destination's address or option is not valid.
 */
export function clusterTenant(
  config: TenantConfig,
  env: Record<string, string | undefined> = process.env,
): ClusterTenant {
  const processor = tenantProcessorOptions(config);
  const base = {
    id: config.id,
    processor,
    intervalSeconds: config.intervalSeconds,
    ...(config.startFrom === undefined ? {} : { startFrom: config.startFrom }),
    ...(config.receive === undefined ? {} : { receive: config.receive }),
  };
  const list: TenantDestination[] = config.destinations ?? [
    config.post
      ? { post: config.post }
      : config.destination
        ? { destination: config.destination }
        : {},
  ];
  const made: DestinationHandler[] = [];
  try {
    list.forEach((entry, i) =>
      made.push(
        tenantDestination(
          config,
          entry,
          config.destinations ? `tenants.${config.id}.destinations[${i}]` : `tenants.${config.id}`,
          env,
        ),
      ),
    );
  } catch (error) {
    void Promise.allSettled(made.map((h) => h.close()));
    throw error;
  }
  // several: one read, each batch to every one, acknowledged once all stored it
  const destination = made.length === 1 ? (made[0] as DestinationHandler) : fanout(made);
  return { ...base, handler: withWarnings(destination), close: () => destination.close() };
}

/** One destination of a tenant, its settings named from `at` (`tenants.acme`, `...destinations[1]`). */
function tenantDestination(
  config: TenantConfig,
  entry: TenantDestination,
  at: string,
  env: Record<string, string | undefined>,
): DestinationHandler {
  if (entry.post) {
    const { timeoutMs } = entry.post;
    const name = (key: string) => `${at}.post.${key}`;
    // as `ship --post`: user:password@ becomes a Basic header, plain http only to this machine
    // (as `--to`), the tenant's `ca` trusted
    const { url, headers, fromUrl } = credentialsFromUrl(
      new URL(entry.post.url),
      entry.post.headers,
      name,
    );
    if (url.protocol === 'http:' && !isLoopback(url.hostname) && !entry.post.allowInsecureHttp)
      throw new ArgumentError(
        `\`${name('url')}\` is plain http to ${url.hostname}, which is not a loopback address: use https, or set \`${name('allowInsecureHttp')}\``,
        'url',
      );
    return createDestination(
      {
        kind: 'post',
        address: url.href,
        options: {
          headers,
          ...(fromUrl ? { credentialsIn: 'url' } : {}),
          ...(timeoutMs === undefined ? {} : { timeoutMs }),
        },
      },
      {
        env,
        ...(config.ca === undefined ? {} : { ca: config.ca }),
        addressName: name('url'),
        optionName: name,
      },
    );
  }
  const d = entry.destination;
  if (!d) throw new Error(`tenant ${config.id} has no destination`);
  const spec = DESTINATION_SPECS[d.kind as DestinationKind];
  const secrets: Record<string, string> = {};
  for (const [name, value] of Object.entries(d.secrets ?? {})) {
    const variable = spec.secrets[name];
    if (variable) secrets[variable] = value;
  }
  return createDestination(
    { kind: d.kind, address: d.address, options: d.options ?? {} },
    {
      env: { ...env, ...secrets },
      tenant: config.domain,
      ...(config.ca === undefined ? {} : { ca: config.ca }),
      addressName: `${at}.${d.kind}.address`,
      optionName: (key) => `${at}.${d.kind}.options.${key}`,
    },
  );
}

/**
 * A tenant's handler: the destination, its warnings (`drainWarnings`) passed on to the run, and
 * an S3 destination's `gather` and `flush` (objects of a run's batches, not one per batch).
 */
function withWarnings(
  destination: DestinationHandler & Partial<GatheringHandler>,
): ClusterTenant['handler'] & WarningSource & Partial<GatheringHandler> {
  const { gather, flush } = destination;
  return Object.assign(
    (logs: LogEvent[]) => destination(logs),
    { drainWarnings: () => destination.drainWarnings?.() ?? [] },
    // several destinations: each one's acknowledged logs, for the run line
    typeof (destination as Partial<FanoutHandler>).counts === 'function'
      ? { counts: () => (destination as FanoutHandler).counts() }
      : {},
    gather && flush
      ? {
          gather: (logs: LogEvent[]) => gather.call(destination, logs),
          flush: (what: 'due' | 'all') => flush.call(destination, what),
        }
      : {},
  );
}
