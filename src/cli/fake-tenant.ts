import { promises as fs } from 'node:fs';
import path from 'node:path';
import { errorMessage, isArgumentError } from '../errors';
import { LIMITS } from '../options/limits';
import { FAKE_TENANT_SHAPES, startFakeTenant } from '../testing';
import type { FakeTenant, FakeTenantOptions, FakeTenantShapeName } from '../testing';
import { type CommandSpec, helpText, numberFlag, parseCommand, stringFlag } from './args';
import { formatCount, shellQuote } from './format';
import { type CliIo, EXIT, UsageError } from './io';

const SHAPE_NAMES = Object.keys(FAKE_TENANT_SHAPES) as FakeTenantShapeName[];

/** The `--shape` flag: a name of {@link FAKE_TENANT_SHAPES}. */
function shapeFlag(value: string | undefined): FakeTenantShapeName {
  const name = value ?? 'realistic';
  if ((SHAPE_NAMES as string[]).includes(name)) return name as FakeTenantShapeName;
  throw new UsageError(`Expected --shape to be one of ${SHAPE_NAMES.join(', ')}, got '${name}'`);
}

/** Flags of `auth0-log-tools fake-tenant`. */
export const FAKE_TENANT_COMMAND: CommandSpec = {
  name: 'fake-tenant',
  summary:
    "Run a local HTTPS server that behaves like an Auth0 tenant's /oauth/token and /api/v2/logs, until Ctrl-C.",
  options: [
    {
      name: 'port',
      type: 'string',
      value: '<port>',
      description: 'Port on 127.0.0.1; 0 picks a free one',
      default: '8443',
    },
    {
      name: 'logs',
      type: 'string',
      value: '<n>',
      description:
        "Logs that exist at start (over the last 2 days, or the shape's dates), bursts aside",
      default: '10000; quietDays: 30',
    },
    {
      name: 'shape',
      type: 'string',
      value: '<name>',
      description: `How its logs arrive: ${SHAPE_NAMES.join(', ')} (see docs/testing.md)`,
      default: 'realistic',
    },
    {
      name: 'growth',
      type: 'string',
      value: '<logs/s>',
      description: 'New logs per second while it runs',
      default: '0',
    },
    {
      name: 'latency',
      type: 'string',
      value: '<ms>',
      description: 'Delay before every response',
      default: '0',
    },
    {
      name: 'connect-latency',
      type: 'string',
      value: '<ms>',
      description: 'Delay before every new connection',
      default: '0',
    },
    {
      name: 'rate-limit',
      type: 'string',
      value: '<req/s>',
      description: 'Rate limit of /api/v2/logs (burst of the same size; 429 past it)',
      default: 'none',
    },
    {
      name: 'fail',
      type: 'string',
      value: '<probability>',
      description: 'Chance, 0 to 1, that a logs request fails with a 500',
      default: '0',
    },
    {
      name: 'ca-out',
      type: 'string',
      value: '<file>',
      description: 'Where to write the PEM of the CA to trust',
      default: '.auth0-log-tools/fake-tenant-ca.pem',
    },
  ],
  notes: [
    'It prints the domain, client id and secret to use, and a ready `auth0-log-tools ship` command.',
  ],
};

/** `auth0-log-tools fake-tenant`: serves until `io.signal` aborts; resolves the exit code. */
export async function runFakeTenant(argv: string[], io: CliIo): Promise<number> {
  let options: FakeTenantOptions;
  let shape: FakeTenantShapeName;
  let caOut: string;
  try {
    const args = parseCommand(argv, FAKE_TENANT_COMMAND);
    if (args.help) {
      io.stdout.write(helpText(FAKE_TENANT_COMMAND));
      return EXIT.ok;
    }
    const rateLimit = numberFlag(args, 'rate-limit', { min: 0, exclusiveMin: true });
    shape = shapeFlag(stringFlag(args, 'shape'));
    options = {
      ...FAKE_TENANT_SHAPES[shape],
      port: numberFlag(args, 'port', { integer: true, ...LIMITS.port }) ?? 8443,
      logs:
        numberFlag(args, 'logs', { integer: true, min: 0 }) ??
        (FAKE_TENANT_SHAPES[shape] as FakeTenantOptions).logs ??
        10_000,
      growth: numberFlag(args, 'growth', { min: 0 }) ?? 0,
      latencyMs: numberFlag(args, 'latency', { min: 0 }) ?? 0,
      connectLatencyMs: numberFlag(args, 'connect-latency', { min: 0 }) ?? 0,
      failRate: numberFlag(args, 'fail', { min: 0, max: 1 }) ?? 0,
      ...(rateLimit === undefined
        ? {}
        : { rateLimit: { burst: Math.max(1, Math.floor(rateLimit)), perSecond: rateLimit } }),
    };
    caOut = path.resolve(stringFlag(args, 'ca-out') ?? '.auth0-log-tools/fake-tenant-ca.pem');
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`auth0-log-tools fake-tenant: ${error.message}\n`);
    return EXIT.usage;
  }

  let tenant: FakeTenant;
  try {
    tenant = await startFakeTenant(options);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const hint =
      code === 'EADDRINUSE'
        ? `: port ${options.port} is in use; pass --port 0 for a free one`
        : `: ${errorMessage(error)}`;
    io.stderr.write(`auth0-log-tools fake-tenant: cannot start${hint}\n`);
    return isArgumentError(error) ? EXIT.usage : EXIT.failed;
  }
  try {
    await fs.mkdir(path.dirname(caOut), { recursive: true });
    await fs.writeFile(caOut, tenant.ca);
  } catch (error) {
    await tenant.close();
    io.stderr.write(
      `auth0-log-tools fake-tenant: cannot write --ca-out ${caOut}: ${(error as NodeJS.ErrnoException).code ?? errorMessage(error)}\n`,
    );
    return EXIT.failed;
  }
  io.stdout.write(banner(tenant, options, shape, caOut));
  await new Promise<void>((resolve) => {
    if (!io.signal || io.signal.aborted) return resolve();
    io.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  const stats = tenant.stats();
  await tenant.close();
  io.stdout.write(
    `Stopped after serving ${formatCount(stats.logsServed)} logs in ${formatCount(stats.logRequests)} requests.\n`,
  );
  return EXIT.ok;
}

function banner(
  tenant: FakeTenant,
  options: FakeTenantOptions,
  shape: FakeTenantShapeName,
  caFile: string,
): string {
  const command = [
    // the secret in the environment, not a flag: flags show in `ps`
    `AUTH0_CLIENT_SECRET=${shellQuote(tenant.clientSecret)} npx auth0-log-tools ship`,
    `--domain ${tenant.domain}`,
    `--client-id ${shellQuote(tenant.clientId)}`,
    `--ca-file ${shellQuote(caFile)}`,
    '--state .auth0-log-tools/fake-tenant-state.json',
    '--out fake-tenant-logs.ndjson',
  ].join(' \\\n    ');
  const limit = options.rateLimit ? `${options.rateLimit.perSecond} requests/s` : 'none';
  return `Fake Auth0 tenant listening on ${tenant.baseUrl}
  logs:          ${formatCount(tenant.logCount())} (growing by ${options.growth ?? 0}/s)
  shape:         ${shape}
  latency:       ${options.latencyMs ?? 0} ms per response, ${options.connectLatencyMs ?? 0} ms per new connection
  rate limit:    ${limit}; failure rate ${options.failRate ?? 0}

  domain:        ${tenant.domain}
  client id:     ${tenant.clientId}
  client secret: ${tenant.clientSecret}   (a generated test secret)
  CA file:       ${caFile}

Ship its logs with:
  ${command}

Press Ctrl-C to stop.
`;
}
