import {
  booleanOption,
  describeRange,
  functionOption,
  integerOption,
  invalid,
  kindOf,
  methodsOption,
  numberOption,
  show,
  signalOption,
  textOption,
} from '../../src/options/check';
import { LIMITS } from '../../src/options/limits';
import { DEFAULTS } from '../../src/defaults';
import { thrown } from '../support/options';

describe('the options kit', () => {
  it('shows a value as given, an object or a function by its kind only', () => {
    expect(show('0')).toBe('"0"');
    expect(show(0)).toBe('0');
    expect(show(NaN)).toBe('NaN');
    expect(show(true)).toBe('true');
    expect(show(null)).toBe('null');
    expect(show(undefined)).toBe('undefined');
    expect(show({ secret: 'x' })).toBe('an object');
    expect(show(['x'])).toBe('an array');
    expect(show(() => 1)).toBe('a function');
    expect(show(new Date('2026-01-01T00:00:00Z'))).toBe('2026-01-01T00:00:00.000Z');
    expect(show(new Date('nope'))).toBe('an invalid Date');
    expect(kindOf(' ')).toBe('an empty string');
    expect(kindOf('secret')).toBe('a string');
  });

  it('names the option, and may show another name or only the type', () => {
    const plain = invalid('batchSize', 'an integer', 'x');
    expect(plain.message).toBe('Expected `batchSize` to be an integer, got "x"');
    expect(plain.option).toBe('batchSize');
    const shown = invalid('token', 'a string', 'abc', { shown: 'splunk.token', secret: true });
    expect(shown.message).toBe('Expected `splunk.token` to be a string, got a string');
    expect(shown.option).toBe('token');
  });

  it('words ranges one way', () => {
    expect(describeRange('an integer', LIMITS.batchSize)).toBe('an integer from 1 to 1000');
    expect(describeRange('an integer', LIMITS.lockStaleMs)).toBe('an integer of at least 2000');
    expect(describeRange('a number', LIMITS.maxRunTimeSeconds)).toBe('a number above 0');
    expect(describeRange('a number', LIMITS.waitSeconds)).toBe('a number above 0 and up to 86400');
  });

  it('takes its ranges from one place, the public maxima from DEFAULTS', () => {
    expect(LIMITS.batchSize.max).toBe(DEFAULTS.maxBatchSize);
    expect(LIMITS.backfillCursors.max).toBe(DEFAULTS.maxBackfillCursors);
    expect(LIMITS.serveBatchSize.max).toBe(DEFAULTS.maxPageSize);
  });

  it('reads integers from decimal strings unless strict; blank is the default unless required', () => {
    expect(integerOption('n', ' 7 ', 1, LIMITS.batchSize)).toBe(7);
    expect(integerOption('n', '', 1, LIMITS.batchSize)).toBe(1);
    expect(integerOption('n', null, 1, LIMITS.batchSize)).toBe(1);
    for (const bad of ['1e2', '0x10', '2.5', 'Infinity'])
      expect(thrown(() => integerOption('n', bad, 1, LIMITS.batchSize)).message).toBe(
        `Expected \`n\` to be an integer from 1 to 1000, got "${bad}"`,
      );
    expect(
      thrown(() => integerOption('n', '7', 1, LIMITS.batchSize, { strict: true })).option,
    ).toBe('n');
    expect(
      thrown(() => integerOption('n', null, 1, LIMITS.batchSize, { strict: true })).option,
    ).toBe('n');
    expect(thrown(() => integerOption('n', undefined, undefined, LIMITS.batchSize)).message).toBe(
      'Expected `n` to be an integer from 1 to 1000, got undefined',
    );
    expect(numberOption('x', undefined, 2, LIMITS.leaseSeconds)).toBe(2);
    expect(numberOption('x', 1.5, 2, LIMITS.leaseSeconds)).toBe(1.5);
    expect(thrown(() => numberOption('x', '3', 2, LIMITS.leaseSeconds)).option).toBe('x');
    expect(thrown(() => numberOption('x', undefined, undefined, LIMITS.leaseSeconds)).option).toBe(
      'x',
    );
  });

  it('takes switches, strings, functions, methods and signals', () => {
    expect(booleanOption('b', undefined, true)).toBe(true);
    expect(thrown(() => booleanOption('b', 'true', false)).option).toBe('b');
    expect(booleanOption('b', 'true', false, { strings: true })).toBe(true);
    expect(booleanOption('b', '', true, { strings: true })).toBe(true);
    expect(textOption('t', '', 'd')).toBe('d');
    expect(thrown(() => textOption('t', ' ')).message).toBe(
      'Expected `t` to be a non-empty string, got " "',
    );
    expect(functionOption('f', undefined, Date.now)).toBe(Date.now);
    expect(thrown(() => functionOption('f', 5, Date.now)).message).toBe(
      'Expected `f` to be a function, got 5',
    );
    const cache = { getToken: () => undefined, setToken: () => undefined };
    expect(methodsOption('c', cache, ['getToken', 'setToken'])).toBe(cache);
    expect(thrown(() => methodsOption('c', {}, ['getToken', 'setToken'])).message).toBe(
      'Expected `c` to be an object with getToken() and setToken() methods, got an object',
    );
    const signal = new AbortController().signal;
    expect(signalOption(signal)).toBe(signal);
    expect(signalOption(null)).toBeUndefined();
    expect(thrown(() => signalOption('abort', 'stop')).message).toBe(
      'Expected `stop` to be an AbortSignal, got "abort"',
    );
  });
});
