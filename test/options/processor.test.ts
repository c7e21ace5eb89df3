import { processor, thrown } from '../support/options';

describe('one set of option rules', () => {
  it('names the option and the value, as p-retry does', () => {
    expect(thrown(() => processor({ batchSize: 0 })).message).toBe(
      'Expected `batchSize` to be an integer from 1 to 1000, got 0',
    );
    expect(thrown(() => processor({ maxRunTimeSeconds: -1 })).option).toBe('maxRunTimeSeconds');
    expect(thrown(() => processor({ onBatchFailure: 'drop' as never })).message).toContain(
      '`onBatchFailure`',
    );
    expect(thrown(() => processor({ onProgress: 5 as never })).option).toBe('onProgress');
    expect(thrown(() => processor({ now: 'soon' as never })).option).toBe('now');
  });

  it('fills the defaults', () => {
    expect(processor({})).toMatchObject({
      batchSize: 100,
      maxRetries: 5,
      maxRunTimeSeconds: 22,
      startFrom: null,
      types: undefined,
      logLevel: 0,
      concurrency: 1,
      onBatchFailure: 'skip',
    });
  });
});
