import { LogsProcessor } from '../src/processor';
import type { LogEvent } from '../src/types';
import { credentials, memoryStorage, useTenant } from './support/tenant';

const tenant = useTenant({ logs: 250, seed: 3 });

describe('LogsProcessor.run({ until })', () => {
  it('stops, caught up, before the first log at or past `until`, even with several cursors asked', async () => {
    const storage = memoryStorage();
    const processor = new LogsProcessor(storage, {
      ...credentials(tenant()),
      backfillCursors: 4,
      onBatchFailure: 'stop',
    });
    const until = tenant().logIdAt(180);
    const shipped: string[] = [];
    const handler = async (logs: LogEvent[]) =>
      void shipped.push(...logs.map((l) => l.log_id as string));
    const first = await processor.run(handler, { until });
    expect(first.status.error).toBeUndefined();
    expect(first.status.stopReason).toBe('caught_up');
    expect(shipped).toEqual(Array.from({ length: 180 }, (_, i) => tenant().logIdAt(i)));
    expect(first.checkpoint).toBe(tenant().logIdAt(179));
    // the next run goes on from there
    const second = await processor.run(handler);
    expect(second.checkpoint).toBe(tenant().logIdAt(249));
    expect(new Set(shipped).size).toBe(250);
    await expect(processor.run(handler, { until: '123' })).rejects.toThrow(
      'Expected `until` to be a log_id of 56 digits',
    );
  });
});
