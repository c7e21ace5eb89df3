import { parseArgs } from 'node:util';
import { nearest } from '../util/nearest';
import { UsageError } from './io';

/** One flag of a command: drives both the parser and the `--help` text. */
export interface OptionSpec {
  /** The long name, without dashes. */
  name: string;
  type: 'string' | 'boolean';
  /** May be given more than once (values are collected in order). */
  multiple?: boolean;
  short?: string;
  /** Placeholder shown in the help, e.g. `<file>`. */
  value?: string;
  description: string;
  /** The default as the help shows it. */
  default: string;
}

/** A command's name, summary and flags. */
export interface CommandSpec {
  name: string;
  summary: string;
  options: OptionSpec[];
  /** Extra lines printed after the flags (examples, notes). */
  notes?: string[];
}

/** Parsed flag values, by long name. */
export type ParsedArgs = Record<string, string | boolean | string[] | undefined>;

const HELP: OptionSpec = {
  name: 'help',
  short: 'h',
  type: 'boolean',
  description: 'Print this help and exit',
  default: 'off',
};

/** Parses `argv` strictly (unknown flags and stray arguments are usage errors). */
export function parseCommand(argv: string[], spec: CommandSpec): ParsedArgs {
  const options: Record<
    string,
    { type: 'string' | 'boolean'; multiple?: boolean; short?: string }
  > = {};
  for (const option of [...spec.options, HELP]) {
    options[option.name] = {
      type: option.type,
      ...(option.multiple ? { multiple: true } : {}),
      ...(option.short ? { short: option.short } : {}),
    };
  }
  let parsed: { values: unknown; tokens: ReadonlyArray<{ kind: string; name?: string }> };
  try {
    parsed = parseArgs({
      args: argv,
      options,
      strict: true,
      allowPositionals: false,
      tokens: true,
    });
  } catch (error) {
    const first = ((error as Error).message.split('\n')[0] ?? String(error)).replace(/\.+$/, '');
    // `--max-run-time -1`: node:util reads `-1` as a flag ("argument is ambiguous")
    const ambiguous = /^Option '(-\w, )?(--[\w-]+)[^']*' argument is ambiguous/.exec(first);
    const unknown = /^Unknown option '(--?)([^'=]+)'/.exec(first);
    const near =
      unknown?.[2] === undefined
        ? undefined
        : nearest(
            unknown[2],
            [...spec.options, HELP].map((o) => o.name),
          );
    const message = ambiguous
      ? `Expected ${ambiguous[2]} to have a value; one that starts with a dash is written ${ambiguous[2]}=<value>`
      : near
        ? `${first}; did you mean --${near}?`
        : first;
    const end = message.endsWith('?') ? ' ' : '. ';
    throw new UsageError(
      `${message}${end}Run \`auth0-log-tools ${spec.name} --help\` for the flags.`,
    );
  }
  refuseRepeated(parsed.tokens, spec);
  return parsed.values as ParsedArgs;
}

/**
 * A flag that takes one value, given twice, is a usage error: node:util would keep the last one
 * silently (`--types s --types f` shipping only `f`). Flags marked `multiple` repeat; a repeated
 * boolean flag says the same thing twice and is allowed. The values are never quoted (one may be
 * a secret).
 */
function refuseRepeated(tokens: ReadonlyArray<{ kind: string; name?: string }>, spec: CommandSpec) {
  const seen = new Set<string>();
  for (const token of tokens) {
    if (token.kind !== 'option' || token.name === undefined) continue;
    const option = spec.options.find((o) => o.name === token.name);
    if (!option || option.multiple || option.type !== 'string') continue;
    if (seen.has(option.name)) {
      const list = option.value === '<list>' ? '; give one comma-separated list' : '; give it once';
      throw new UsageError(`--${option.name} given twice${list}`);
    }
    seen.add(option.name);
  }
}

/** The `--help` text: every flag with its placeholder, description and default. */
export function helpText(spec: CommandSpec): string {
  const rows = [...spec.options, HELP].map((option) => {
    const flag = `${option.short ? `-${option.short}, ` : '    '}--${option.name}${option.value ? ` ${option.value}` : ''}`;
    return [flag, `${option.description} (default: ${option.default})`] as const;
  });
  const width = Math.max(...rows.map(([flag]) => flag.length)) + 2;
  const lines = [
    `Usage: auth0-log-tools ${spec.name} [options]`,
    '',
    spec.summary,
    '',
    'Options:',
    ...rows.map(([flag, text]) => `  ${flag.padEnd(width)}${text}`),
  ];
  if (spec.notes?.length) lines.push('', ...spec.notes);
  return `${lines.join('\n')}\n`;
}

/** A string flag, or `undefined` when absent. An empty value is a usage error. */
export function stringFlag(args: ParsedArgs, name: string): string | undefined {
  const value = args[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') {
    throw new UsageError(`Expected --${name} to have a value`);
  }
  return value;
}

/** Range and kind of a numeric flag. */
export interface NumberRule {
  integer?: boolean;
  min?: number;
  max?: number;
  /** `min` itself is not allowed (e.g. a duration must be above 0). */
  exclusiveMin?: boolean;
}

/**
 * A numeric flag, validated against `rule`; `undefined` when absent. Only plain decimal notation
 * (`100`, `-1`, `2.5` for a non-integer): `1e2` and `0x10` are usage errors naming the flag.
 */
export function numberFlag(
  args: ParsedArgs,
  name: string,
  rule: NumberRule = {},
): number | undefined {
  const raw = stringFlag(args, name);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  const { integer = false, min = -Infinity, max = Infinity, exclusiveMin = false } = rule;
  // decimal digits only, as the library reads a string option: `Number` would also take `1e2`,
  // `0x10`, `0b1` or `Infinity`
  const plain = integer ? /^\s*-?\d+\s*$/ : /^\s*-?(\d+(\.\d*)?|\.\d+)\s*$/;
  const ok =
    plain.test(raw) &&
    Number.isFinite(value) &&
    (!integer || Number.isInteger(value)) &&
    (exclusiveMin ? value > min : value >= min) &&
    value <= max;
  if (!ok) {
    const kind = integer ? 'an integer' : 'a number';
    const low = Number.isFinite(min) ? `${exclusiveMin ? 'above' : 'from'} ${min}` : '';
    const high = Number.isFinite(max) ? `${low ? ' ' : ''}${low ? 'to' : 'up to'} ${max}` : '';
    const range = low || high ? ` ${low}${high}` : '';
    throw new UsageError(`Expected --${name} to be ${kind}${range}, got '${raw}'`);
  }
  return value;
}
