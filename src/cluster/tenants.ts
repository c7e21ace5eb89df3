import { isLoopback } from '../destinations/address';
import { DESTINATION_SPECS, type DestinationKind, createDestination } from '../destinations/config';
import { credentialsFromUrl } from '../destinations/post';
import { ArgumentError } from '../errors';
import type { TenantConfig } from './config';
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
  };
  if (config.post) {
    const { timeoutMs } = config.post;
    const name = (key: string) => `tenants.${config.id}.post.${key}`;
    // as `ship --post`: user:password@ becomes a Basic header, plain http only to this machine
    // (as `--to`), the tenant's `ca` trusted
    const { url, headers, fromUrl } = credentialsFromUrl(
      new URL(config.post.url),
      config.post.headers,
      name,
    );
    if (url.protocol === 'http:' && !isLoopback(url.hostname) && !config.post.allowInsecureHttp)
      throw new ArgumentError(
        `\`${name('url')}\` is plain http to ${url.hostname}, which is not a loopback address: use https, or set \`${name('allowInsecureHttp')}\``,
        'url',
      );
    const post = createDestination(
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
    return { ...base, handler: (logs) => post(logs), close: () => post.close() };
  }
  const entry = config.destination;
  if (!entry) throw new Error(`tenant ${config.id} has no destination`);
  const spec = DESTINATION_SPECS[entry.kind as DestinationKind];
  const secrets: Record<string, string> = {};
  for (const [name, value] of Object.entries(entry.secrets ?? {})) {
    const variable = spec.secrets[name];
    if (variable) secrets[variable] = value;
  }
  const destination = createDestination(
    { kind: entry.kind, address: entry.address, options: entry.options ?? {} },
    {
      env: { ...env, ...secrets },
      tenant: config.domain,
      ...(config.ca === undefined ? {} : { ca: config.ca }),
      addressName: `tenants.${config.id}.${entry.kind}.address`,
      optionName: (key) => `tenants.${config.id}.${entry.kind}.options.${key}`,
    },
  );
  return { ...base, handler: (logs) => destination(logs), close: () => destination.close() };
}
