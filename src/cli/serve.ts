import { loadServeConfig, type ServeConfig } from '../cluster/config';
import { createClusterMetrics, type ClusterMetrics } from '../cluster/metrics';
import {
  missingPeerDependencies,
  missingPeersMessage,
  type PeerDependency,
} from '../cluster/peers';
import { serveMetrics, type MetricsServer } from '../cluster/metrics-server';
import type { RunRecord } from '../cluster/run-record';
import { clusterTenant } from '../cluster/tenants';
import { startClusterWorker, type ClusterWorker } from '../cluster/worker';
import type { ClusterTenant } from '../cluster/worker-options';
import { errorMessage, isArgumentError } from '../errors';
import { LIMITS } from '../options/limits';
import { type CommandSpec, helpText, numberFlag, parseCommand, stringFlag } from './args';
import { type CliIo, EXIT, UsageError } from './io';
import { textLine } from './run-line';

/** Flags of `auth0-log-tools serve`. */
export const SERVE_COMMAND: CommandSpec = {
  name: 'serve',
  summary:
    'Ship every tenant of a JSON config continuously, sharing the tenants with every other `serve` of the same config (BullMQ on Redis, fenced checkpoints in Redis or PostgreSQL). SIGTERM stops after the batch in flight.',
  options: [
    {
      name: 'config',
      type: 'string',
      value: '<file>',
      description:
        'The cluster configuration (JSON; `${NAME}` in a string is read from the environment)',
      default: 'required',
    },
    {
      name: 'metrics-port',
      type: 'string',
      value: '<n>',
      description: 'Serve /metrics (Prometheus) and /healthz on this port; 0 picks a free one',
      default: 'off',
    },
    {
      name: 'metrics-host',
      type: 'string',
      value: '<address>',
      description:
        'The address /metrics and /healthz listen on (0.0.0.0 for every interface); the config key metricsHost',
      default: '127.0.0.1',
    },
    {
      name: 'prune',
      type: 'boolean',
      description:
        "Remove the job schedulers of the queue's tenants this config does not name (without it they are left running and named in a warning)",
      default: 'off',
    },
    {
      name: 'log-format',
      type: 'string',
      value: '<text|json>',
      description: 'One line per run on stderr, as words or as a JSON object',
      default: 'text',
    },
  ],
  notes: ['See the README section `serve` for every configuration key.'],
};

export { textLine };

/** The optional peer dependencies this configuration needs: all checked before anything starts. */
function neededPeers(config: ServeConfig, metricsPort: number | undefined): PeerDependency[] {
  const needed: PeerDependency[] = ['bullmq', 'ioredis'];
  if (config.postgres) needed.push('pg');
  if (metricsPort !== undefined) needed.push('prom-client');
  const s3 = (entry: { destination?: { kind: string } }) => entry.destination?.kind === 's3';
  if (config.tenants.some((tenant) => s3(tenant) || (tenant.destinations ?? []).some(s3)))
    needed.push('@aws-sdk/client-s3');
  return needed;
}

/** `auth0-log-tools serve`: runs until `io.signal` aborts (SIGTERM, SIGINT); resolves the exit code. */
export async function runServe(argv: string[], io: CliIo): Promise<number> {
  const say = (text: string) => io.stderr.write(`auth0-log-tools serve: ${text}\n`);
  let config: ServeConfig;
  let metricsPort: number | undefined;
  let metricsHost: string;
  let prune: boolean;
  let json: boolean;
  try {
    const args = parseCommand(argv, SERVE_COMMAND);
    if (args.help) {
      io.stdout.write(helpText(SERVE_COMMAND));
      return EXIT.ok;
    }
    const file = stringFlag(args, 'config');
    if (!file) throw new UsageError('Expected --config <file>');
    metricsPort = numberFlag(args, 'metrics-port', { integer: true, ...LIMITS.port });
    const format = stringFlag(args, 'log-format') ?? 'text';
    if (format !== 'text' && format !== 'json')
      throw new UsageError(`Expected --log-format to be text or json, got '${format}'`);
    json = format === 'json';
    config = loadServeConfig(file, io.env);
    metricsHost = stringFlag(args, 'metrics-host') ?? config.metricsHost ?? '127.0.0.1';
    prune = args['prune'] === true;
  } catch (error) {
    if (!(error instanceof UsageError) && !isArgumentError(error)) throw error;
    say(error.message);
    return EXIT.usage;
  }
  let tenants: ClusterTenant[];
  try {
    tenants = config.tenants.map((tenant) => clusterTenant(tenant, io.env));
  } catch (error) {
    say(errorMessage(error));
    return EXIT.usage;
  }
  let metrics: ClusterMetrics | undefined;
  let server: MetricsServer | undefined;
  let worker: ClusterWorker | undefined;
  const onRun = (run: RunRecord) => {
    metrics?.record(run);
    if (run.skipped && !json) return;
    io.stderr.write(`${json ? JSON.stringify(run) : textLine(run)}\n`);
  };
  try {
    const missing = await missingPeerDependencies(neededPeers(config, metricsPort));
    if (missing.length) throw new Error(missingPeersMessage(missing));
    if (metricsPort !== undefined) metrics = await createClusterMetrics();
    const options = {
      queue: config.queue,
      leaseSeconds: config.leaseSeconds,
      tenants,
      onRun,
      onWarning: say,
      prune,
      ...(io.signal ? { signal: io.signal } : {}),
      ...(config.redis ? { redis: config.redis } : {}),
      ...(config.postgres ? { postgres: config.postgres } : {}),
      ...(config.receive ? { receive: config.receive } : {}),
    };
    if (metrics && metricsPort !== undefined) {
      // bound before the worker starts, so a bad address or a busy port changes nothing
      const starting = { ok: false, reasons: [{ code: 'starting' as const, message: 'starting' }] };
      server = await serveMetrics(
        metrics,
        metricsPort,
        () => worker?.health() ?? starting,
        metricsHost,
      ).catch((error: unknown) => {
        throw new Error(
          `cannot listen on ${metricsHost} port ${metricsPort} (--metrics-host or metricsHost, --metrics-port): ${errorMessage(error)}; give an address of this machine and a free port`,
        );
      });
      // the address the system bound, not the one asked
      const host = server.host.includes(':') ? `[${server.host}]` : server.host;
      say(`metrics on http://${host}:${server.port}/metrics`);
    }
    worker = await startClusterWorker(options);
  } catch (error) {
    await worker?.stop();
    await server?.close();
    for (const tenant of tenants) await tenant.close?.().catch(() => undefined);
    if (io.signal?.aborted) {
      say('stopped before serving');
      return EXIT.ok;
    }
    say(`cannot start: ${errorMessage(error)}`);
    return EXIT.failed;
  }
  if (worker.receiver) {
    const scheme = config.receive?.tls ? 'https' : 'http';
    const { host, port } = worker.receiver;
    const paths = config.tenants.flatMap((t) => (t.receive ? [t.receive.path] : []));
    say(
      `receiving Log Streams on ${scheme}://${host.includes(':') ? `[${host}]` : host}:${port} (${paths.join(', ')})`,
    );
  }
  say(
    `worker ${worker.workerId} serving ${tenants.length} tenant(s) of queue ${config.queue}; SIGTERM stops after the batch in flight`,
  );
  await new Promise<void>((resolve) => {
    if (io.signal?.aborted) resolve();
    io.signal?.addEventListener('abort', () => resolve(), { once: true });
  });
  await worker.stop();
  await server?.close();
  say('stopped: leases released');
  return EXIT.ok;
}
