import { type CommandSpec, helpText, type ParsedArgs, parseCommand } from './args';
import { type CliIo, EXIT, UsageError } from './io';

/**
 * A command's flags as its config, or the exit code when there is nothing to run: parses `argv`
 * by `spec` and builds the config with `build`. `--help` prints the help (exit 0); a
 * `UsageError` (a bad flag, a missing credential) is printed as `auth0-log-tools <name>: <message>`
 * (exit 2), nothing run. Any other error is thrown.
 */
export function commandConfig<T>(
  argv: string[],
  io: Pick<CliIo, 'stdout' | 'stderr'>,
  spec: CommandSpec,
  build: (args: ParsedArgs) => T,
): { config: T } | { exit: number } {
  try {
    const args = parseCommand(argv, spec);
    if (args.help) {
      io.stdout.write(helpText(spec));
      return { exit: EXIT.ok };
    }
    return { config: build(args) };
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`auth0-log-tools ${spec.name}: ${error.message}\n`);
    return { exit: EXIT.usage };
  }
}
