import { version } from '../../package.json';
import { runDemo } from './demo';
import { runFakeTenant } from './fake-tenant';
import { type CliIo, EXIT } from './io';
import { runReceive } from './receive/command';
import { runServe } from './serve';
import { runShip } from './ship/command';
import { runStatus } from './status';
import { runTail } from './tail/command';

const COMMANDS: Record<string, (argv: string[], io: CliIo) => Promise<number>> = {
  ship: runShip,
  status: runStatus,
  'fake-tenant': runFakeTenant,
  demo: runDemo,
  serve: runServe,
  tail: runTail,
  receive: runReceive,
};

/** The top-level help. */
export const USAGE = `Usage: auth0-log-tools <command> [options]

Commands:
  ship          Ship a tenant's logs to stdout, a file, an HTTP endpoint or --to splunk|datadog|elastic|s3
  status        Print the stored checkpoint and run history of a state file
  fake-tenant   Run a local HTTPS server that behaves like an Auth0 tenant's logs API
  demo          Ship 20,000 logs from an in-process fake tenant to demo/logs.ndjson
  serve         Ship every tenant of a config file continuously, shared by any number of workers
  tail          Show a tenant's logs one line each (date, type, user, ip, client), --follow; no state
  receive       Receive a tenant's Auth0 Log Stream, ship each log once, fill its gaps from the API

Options:
  -h, --help     Print this help, or a command's with \`auth0-log-tools <command> --help\`
  -v, --version  Print the version (${version})
`;

/** Runs the CLI with `argv` (without `node` and the script); resolves the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    io.stdout.write(USAGE);
    return EXIT.ok;
  }
  if (command === '--version' || command === '-v') {
    io.stdout.write(`${version}\n`);
    return EXIT.ok;
  }
  const run = COMMANDS[command];
  if (!run) {
    io.stderr.write(
      `auth0-log-tools: unknown command '${command}'. Commands: ${Object.keys(COMMANDS).join(', ')}; see --help.\n`,
    );
    return EXIT.usage;
  }
  return run(rest, io);
}
