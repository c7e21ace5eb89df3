import { resolveStreamOptions, takeOption } from '../../src/options/stream';
import { thrown } from '../support/options';

describe('one set of option rules', () => {
  it('refuses take below 1 (pages(0), next(0))', () => {
    expect(takeOption(undefined, 100)).toBe(100);
    expect(thrown(() => takeOption(0, 100)).option).toBe('take');
  });
});

describe('log type options', () => {
  it('ignores stream types given as an object', () => {
    expect(resolveStreamOptions({ types: { s: true } }).types).toBeUndefined();
    expect(resolveStreamOptions({ types: ['s'] }).types).toEqual(['s']);
  });
});
