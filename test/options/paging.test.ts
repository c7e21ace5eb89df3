import { createLogFilter, nearestLogType, unknownTypesWarning } from '../../src/pipeline/filter';
import { integerOption } from '../../src/options/check';
import {
  checkpointOption,
  logLevelOption,
  logTypesOption,
  runTimeOption,
} from '../../src/options/paging';
import { resolveStreamOptions } from '../../src/options/stream';
import type { LogEvent } from '../../src/types';
import { processor, thrown } from '../support/options';

const id = `900${'1'.repeat(53)}`;

describe('one set of option rules', () => {
  it('applies the same maxRetries rule to the stream and the processor', () => {
    for (const value of [-1, 101, 1.5, 'many']) {
      expect(thrown(() => processor({ maxRetries: value as never })).option).toBe('maxRetries');
      expect(thrown(() => resolveStreamOptions({ maxRetries: value })).option).toBe('maxRetries');
    }
    expect(processor({ maxRetries: '7' }).maxRetries).toBe(7);
    expect(resolveStreamOptions({ maxRetries: '7' }).maxRetries).toBe(7);
    expect(resolveStreamOptions({}).maxRetries).toBe(5);
  });

  it('accepts numbers as strings from the environment, and Infinity as run time', () => {
    expect(integerOption('batchSize', ' 50 ', 100, { min: 1, max: 1000 })).toBe(50);
    expect(runTimeOption('Infinity')).toBe(Infinity);
    expect(runTimeOption('1.5')).toBe(1.5);
    expect(() => runTimeOption('NaN')).toThrow(/maxRunTimeSeconds/);
  });

  it('takes 56-digit log ids, and ISO dates only where a date is allowed', () => {
    expect(checkpointOption('checkpointId', id, false)).toBe(id);
    expect(checkpointOption('checkpointId', null, false)).toBeNull();
    expect(checkpointOption('startFrom', '2026-01-01', true)).toBe('2026-01-01');
    expect(checkpointOption('startFrom', '2026-01-01T10:00:00.000Z', true)).toBe(
      '2026-01-01T10:00:00.000Z',
    );
    for (const bad of [id.slice(1), `${id}1`, 'abc', 42, '2026-13-45'])
      expect(thrown(() => checkpointOption('startFrom', bad, true)).option).toBe('startFrom');
    expect(thrown(() => checkpointOption('checkpointId', '2026-01-01', false)).message).toContain(
      '`checkpointId` to be a log id (56 digits)',
    );
  });
});

describe('log type options', () => {
  it('refuses an unknown code, naming the option and the nearest code', () => {
    expect(thrown(() => logTypesOption('logTypes', 'S,F')).message).toMatch(
      /^`S` is not an Auth0 log type; did you mean `s`\?/,
    );
    expect(thrown(() => logTypesOption('logTypes', ['limit_wcc'])).message).toContain(
      'did you mean `limit_wc`?',
    );
    expect(thrown(() => logTypesOption('types', ['zzzzzzzz'])).message).toMatch(
      /^`zzzzzzzz` is not an Auth0 log type\. \(`types`: write `\+zzzzzzzz`/,
    );
    expect(nearestLogType('LIMIT_WC')).toBe('limit_wc');
  });

  it("takes '+code' for a code the catalog does not know yet", () => {
    expect(logTypesOption('logTypes', '+new_code, s')).toEqual(['new_code', 's']);
    expect(thrown(() => logTypesOption('logTypes', ['+'])).option).toBe('logTypes');
  });

  it("treats blank and '-' as no filter (the extension's blank settings)", () => {
    for (const blank of ['-', '', null, undefined, []]) {
      expect(logTypesOption('logTypes', blank)).toBeUndefined();
    }
    expect(logLevelOption('-')).toBe(0);
    expect(logLevelOption('')).toBe(0);
    expect(logLevelOption('3')).toBe(3);
    expect(thrown(() => logLevelOption(5)).option).toBe('logLevel');
  });

  it('lets logs of unknown types through the level filter and records them', () => {
    const log = (type: string): LogEvent => ({ type, date: '' });
    const filter = createLogFilter(['s'], 3);
    expect(filter?.keeps(log('s'))).toBe(true);
    expect(filter?.keeps(log('f'))).toBe(true);
    expect(filter?.keeps(log('ssa'))).toBe(false);
    expect(filter?.keeps(log('brand_new'))).toBe(true);
    expect(filter?.keeps(log('brand_new'))).toBe(true);
    expect(unknownTypesWarning(filter?.unknownKept ?? new Set())).toBe(
      'Shipped logs of types the log type catalog does not know (logLevel cannot rank them): `brand_new`.',
    );
    const listed = createLogFilter(['s'], 0);
    expect(listed?.keeps(log('brand_new'))).toBe(false);
    expect(createLogFilter(undefined, 0)).toBeUndefined();
  });
});
