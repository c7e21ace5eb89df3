import {
  type CommandSpec,
  helpText,
  numberFlag,
  parseCommand,
  stringFlag,
} from '../../src/cli/args';
import { DEMO_COMMAND } from '../../src/cli/demo';
import { FAKE_TENANT_COMMAND } from '../../src/cli/fake-tenant';
import { UsageError } from '../../src/cli/io';
import { SHIP_COMMAND } from '../../src/cli/ship/command';
import { TAIL_COMMAND } from '../../src/cli/tail/command';
import { STATUS_COMMAND } from '../../src/cli/status';

const spec: CommandSpec = {
  name: 'try',
  summary: 'A command for tests.',
  options: [
    { name: 'count', type: 'string', value: '<n>', description: 'How many', default: '3' },
    {
      name: 'tag',
      type: 'string',
      multiple: true,
      short: 't',
      value: '<tag>',
      description: 'Tags',
      default: 'none',
    },
    { name: 'loud', type: 'boolean', description: 'Shout', default: 'off' },
  ],
  notes: ['A note.'],
};

describe('parseCommand', () => {
  it('parses flags, repeated flags and --flag=value', () => {
    expect(parseCommand(['--count=4', '-t', 'a', '--tag', 'b', '--loud'], spec)).toEqual({
      count: '4',
      tag: ['a', 'b'],
      loud: true,
    });
  });

  it.each([
    [['--nope'], "Unknown option '--nope'. Run `auth0-log-tools try --help` for the flags."],
    [
      ['extra'],
      "Unexpected argument 'extra'. This command does not take positional arguments. Run",
    ],
    [['--count'], "Option '--count <value>' argument missing. Run"],
    [['--loud=yes'], "Option '--loud' does not take an argument. Run"],
  ])('rejects %j with a UsageError', (argv, message) => {
    expect(() => parseCommand(argv, spec)).toThrow(UsageError);
    expect(() => parseCommand(argv, spec)).toThrow(message);
  });
});

describe('parseCommand: a single-value flag given twice', () => {
  it.each([
    [['--count', '1', '--count', '2'], '--count given twice; give it once'],
    [['--count=1', '--count=1'], '--count given twice; give it once'],
  ])('%j is a usage error naming the flag, never its values', (argv, message) => {
    expect(() => parseCommand(argv, spec)).toThrow(UsageError);
    expect(() => parseCommand(argv, spec)).toThrow(message);
  });

  it('a list flag says to give one comma-separated list', () => {
    expect(() => parseCommand(['--types', 's', '--types', 'f'], SHIP_COMMAND)).toThrow(
      '--types given twice; give one comma-separated list',
    );
  });

  it('repeating flags stay repeatable, and a boolean may be said twice', () => {
    expect(parseCommand(['-t', 'a', '--tag', 'b', '--loud', '--loud'], spec)).toEqual({
      tag: ['a', 'b'],
      loud: true,
    });
    expect(
      parseCommand(
        ['--header', 'A: 1', '--header', 'B: 2', '--to-option', 'a=1', '--to-option', 'b=2'],
        SHIP_COMMAND,
      ),
    ).toEqual({ header: ['A: 1', 'B: 2'], 'to-option': ['a=1', 'b=2'] });
  });

  it.each([SHIP_COMMAND, STATUS_COMMAND, DEMO_COMMAND, FAKE_TENANT_COMMAND, TAIL_COMMAND])(
    'every single-value flag of $name is refused twice',
    (command) => {
      for (const option of command.options) {
        if (option.type !== 'string' || option.multiple) continue;
        const argv = [`--${option.name}`, '1', `--${option.name}`, '2'];
        expect(() => parseCommand(argv, command)).toThrow(`--${option.name} given twice`);
      }
    },
  );
});

describe('numberFlag: plain decimal notation only', () => {
  it.each(['1e2', '0x10', '0b1', '0o7', 'Infinity', '+5', '1_000', ''])(
    'an integer flag refuses %j naming the flag',
    (raw) => {
      const parse = () => numberFlag({ 'batch-size': raw }, 'batch-size', { integer: true });
      expect(parse).toThrow(UsageError);
      expect(parse).toThrow(
        raw ? `Expected --batch-size to be an integer, got '${raw}'` : '--batch-size',
      );
    },
  );

  it.each(['1e2', '0x10', '.5e1'])('a number flag refuses %j', (raw) => {
    expect(() => numberFlag({ interval: raw }, 'interval')).toThrow(
      `Expected --interval to be a number, got '${raw}'`,
    );
  });

  it('takes decimal digits, a sign and a fraction where they fit', () => {
    expect(numberFlag({ n: '100' }, 'n', { integer: true })).toBe(100);
    expect(numberFlag({ n: '007' }, 'n', { integer: true })).toBe(7);
    expect(numberFlag({ n: '-1' }, 'n', { integer: true })).toBe(-1);
    expect(numberFlag({ n: '2.5' }, 'n')).toBe(2.5);
    expect(numberFlag({ n: '.5' }, 'n')).toBe(0.5);
    expect(numberFlag({ n: '3.' }, 'n')).toBe(3);
  });
});

describe('flag values', () => {
  it('reads strings and numbers with their rules', () => {
    expect(stringFlag({ a: 'x' }, 'a')).toBe('x');
    expect(stringFlag({}, 'a')).toBeUndefined();
    expect(() => stringFlag({ a: ' ' }, 'a')).toThrow('Expected --a to have a value');
    expect(numberFlag({ n: '2.5' }, 'n')).toBe(2.5);
    expect(numberFlag({}, 'n')).toBeUndefined();
    expect(() => numberFlag({ n: '2.5' }, 'n', { integer: true })).toThrow(
      "Expected --n to be an integer, got '2.5'",
    );
    expect(() => numberFlag({ n: '5' }, 'n', { max: 4 })).toThrow(
      "Expected --n to be a number up to 4, got '5'",
    );
    expect(() => numberFlag({ n: '0' }, 'n', { min: 0, exclusiveMin: true })).toThrow(
      'a number above 0',
    );
    expect(() => numberFlag({ n: '1e999' }, 'n')).toThrow(
      "Expected --n to be a number, got '1e999'",
    );
  });
});

describe('helpText', () => {
  it('lists every flag with its placeholder, description and default, then the notes', () => {
    expect(helpText(spec)).toBe(
      [
        'Usage: auth0-log-tools try [options]',
        '',
        'A command for tests.',
        '',
        'Options:',
        '      --count <n>  How many (default: 3)',
        '  -t, --tag <tag>  Tags (default: none)',
        '      --loud       Shout (default: off)',
        '  -h, --help       Print this help and exit (default: off)',
        '',
        'A note.',
        '',
      ].join('\n'),
    );
  });

  it.each([SHIP_COMMAND, STATUS_COMMAND, FAKE_TENANT_COMMAND, DEMO_COMMAND, TAIL_COMMAND])(
    'documents every flag of $name with its default',
    (command) => {
      const lines = helpText(command).split('\n');
      for (const option of command.options) {
        const line = lines.find((l) =>
          l.includes(`--${option.name}${option.value ? ` ${option.value}` : ''} `),
        );
        expect(line).toContain(`(default: ${option.default})`);
      }
    },
  );
});
