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
import { SHIP_COMMAND } from '../../src/cli/ship';
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

  it.each([SHIP_COMMAND, STATUS_COMMAND, FAKE_TENANT_COMMAND, DEMO_COMMAND])(
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
