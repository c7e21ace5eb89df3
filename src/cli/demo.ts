import { promises as fs } from 'node:fs';
import path from 'node:path';
import { errorMessage } from '../errors';
import { FAKE_TENANT_SHAPES, startFakeTenant } from '../testing';
import type { FakeTenantOptions } from '../testing';
import { type CommandSpec, helpText, numberFlag, parseCommand, stringFlag } from './args';
import { FileStorage } from '../storage/file';
import { formatCount, shellQuote } from './format';
import { type CliIo, EXIT, UsageError } from './io';
import { shipLogs } from './ship/run';

/** Flags of `auth0-log-tools demo`. */
export const DEMO_COMMAND: CommandSpec = {
  name: 'demo',
  summary:
    'Start a fake tenant in-process (50 ms per response, 100 ms per new connection) and ship its logs to <dir>/logs.ndjson, with the checkpoint in <dir>/state.json. Run it again: it resumes and ships nothing twice.',
  options: [
    {
      name: 'dir',
      type: 'string',
      value: '<folder>',
      description: 'Folder of the logs, the state and the tenant settings',
      default: 'demo',
    },
    {
      name: 'logs',
      type: 'string',
      value: '<n>',
      description: 'Logs in the fake tenant (fixed when the folder is first made)',
      default: '20000',
    },
  ],
};

/** What makes the demo tenant the same on every run: its logs are generated from these. */
interface DemoTenant {
  seed: number;
  logs: number;
  /** Epoch ms of the first run: the tenant's clock restarts there, so log ids and dates repeat. */
  startedAt: number;
}

/** `auth0-log-tools demo`: resolves the exit code. */
export async function runDemo(argv: string[], io: CliIo): Promise<number> {
  let dir: string;
  let logs: number | undefined;
  try {
    const args = parseCommand(argv, DEMO_COMMAND);
    if (args.help) {
      io.stdout.write(helpText(DEMO_COMMAND));
      return EXIT.ok;
    }
    dir = path.resolve(stringFlag(args, 'dir') ?? 'demo');
    logs = numberFlag(args, 'logs', { integer: true, min: 1 });
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`auth0-log-tools demo: ${error.message}\n`);
    return EXIT.usage;
  }

  let settings: DemoTenant;
  try {
    settings = await demoTenant(path.join(dir, 'tenant.json'), logs, io.timing?.now ?? Date.now);
  } catch (error) {
    io.stderr.write(`auth0-log-tools demo: ${errorMessage(error)}\n`);
    return error instanceof UsageError ? EXIT.usage : EXIT.failed;
  }
  const clock = io.timing?.now ?? Date.now;
  const clockStart = clock();
  // the timeline is anchored at the first run: the same logs get the same ids on every run
  const shape = demoShape(settings);
  const tenant = await startFakeTenant({
    ...shape.options,
    seed: settings.seed,
    now: () => settings.startedAt + (clock() - clockStart),
    latencyMs: 50,
    connectLatencyMs: 100,
  });
  const out = path.join(dir, 'logs.ndjson');
  const state = path.join(dir, 'state.json');
  try {
    await moveState(state, tenant);
  } catch (error) {
    await tenant.close();
    io.stderr.write(`auth0-log-tools demo: ${errorMessage(error)}\n`);
    return EXIT.failed;
  }
  io.stdout.write(
    `A fake tenant with ${formatCount(settings.logs)} logs runs at ${tenant.baseUrl} (50 ms per response, 100 ms per new connection).\n${shape.description}\nShipping its logs to ${out}, checkpoint in ${state}...\n`,
  );
  try {
    const code = await shipLogs(
      {
        domain: tenant.domain,
        clientId: tenant.clientId,
        clientSecret: tenant.clientSecret,
        ca: tenant.ca,
        destination: { kind: 'file', path: out },
        state,
        maxRunTimeSeconds: Infinity,
        follow: false,
        intervalSeconds: 10,
        quiet: false,
        json: false,
      },
      io,
    );
    if (code === EXIT.ok) {
      const relative = path.relative(process.cwd(), dir) || '.';
      io.stdout.write(
        `Run it again: it resumes from the checkpoint and ships nothing twice.\nRun history: npx auth0-log-tools status --state ${shellQuote(path.join(relative, 'state.json'))}. Start over: delete ${relative}/.\n`,
      );
    }
    return code;
  } finally {
    await tenant.close();
  }
}

const DAY_MS = 24 * 3600 * 1000;

/**
 * The demo tenant is shaped like a real one ({@link FAKE_TENANT_SHAPES}.realistic): its logs of the 2
 * days before the first run arrive in working hours more than at night, 1 % are written late, and a
 * tenth of them are an attack burst (failed logins within 2 minutes, 9 hours before the first run).
 * The burst's logs are part of `settings.logs`, so the count the demo prints is the count it ships.
 */
export function demoShape(settings: { logs: number; startedAt: number }): {
  options: FakeTenantOptions;
  description: string;
} {
  const burst = Math.floor(settings.logs / 10);
  const options: FakeTenantOptions = {
    ...FAKE_TENANT_SHAPES.realistic,
    logs: settings.logs - burst,
    startDate: settings.startedAt - 2 * DAY_MS,
    endDate: settings.startedAt,
  };
  if (burst > 0)
    options.bursts = [{ at: settings.startedAt - 9 * 3600_000, logs: burst, seconds: 120 }];
  const attack = burst > 0 ? `, an attack of ${formatCount(burst)} failed logins in 2 minutes` : '';
  return {
    options,
    description: `Its logs arrive as a real tenant's do: busy working hours, quiet nights${attack}, 1 % written late.`,
  };
}

/**
 * The demo's fake tenant listens on a new port every run, so its domain changes: the demo's own
 * state is moved to it (its cached token, from the old instance, is dropped). States of real
 * tenants are never moved: a state belongs to one tenant.
 */
async function moveState(file: string, tenant: { domain: string; clientId: string }) {
  const storage = new FileStorage(file);
  const doc = await storage.read();
  if (!doc) return;
  await storage.write({
    ...doc,
    logs_access_token: null,
    tenant: { domain: tenant.domain, clientId: tenant.clientId },
  });
}

async function demoTenant(
  file: string,
  logs: number | undefined,
  now: () => number,
): Promise<DemoTenant> {
  let text: string | undefined;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (text === undefined) {
    const settings: DemoTenant = { seed: 1, logs: logs ?? 20_000, startedAt: now() };
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, `${JSON.stringify(settings, null, 2)}\n`);
    return settings;
  }
  const settings = parseSettings(text);
  if (!settings)
    throw new Error(`${file} is not what the demo wrote; delete its folder to start over`);
  if (logs !== undefined && logs !== settings.logs) {
    throw new UsageError(
      `--logs ${logs} differs from the ${settings.logs} logs this demo folder was made with; delete ${path.dirname(file)} to start over`,
    );
  }
  return settings;
}

function parseSettings(text: string): DemoTenant | undefined {
  try {
    const value = JSON.parse(text) as Partial<DemoTenant>;
    const ok = [value.seed, value.logs, value.startedAt].every(
      (n) => typeof n === 'number' && Number.isInteger(n),
    );
    return ok ? (value as DemoTenant) : undefined;
  } catch {
    return undefined;
  }
}
