import { tenantBackoffMs } from '../../src/cluster/backoff';
import { textLine } from '../../src/cli/serve';

describe("serve's tenant backoff honours Retry-After", () => {
  it('waits at least what the destination asked, within the cap', () => {
    // interval 2 s, first failure: 2 s; a 429 asking 20 s: 20 s; capped at 300 s
    expect(tenantBackoffMs(2_000, 1, 300_000)).toBe(2_000);
    expect(tenantBackoffMs(2_000, 1, 300_000, 20_000)).toBe(20_000);
    expect(tenantBackoffMs(2_000, 3, 300_000, 1_000)).toBe(8_000);
    expect(tenantBackoffMs(2_000, 1, 300_000, 3_600_000)).toBe(300_000);
  });
});

describe('the run line', () => {
  const base = {
    time: '2026-12-07T11:00:00.000Z',
    tenant: 'acme',
    worker: 'w1',
    logsProcessed: 300,
    stopReason: 'failed' as const,
    error: 'Skipped 100 logs after 9001 to 9100 after 5 retries: 503',
    failures: 1,
    retryInSeconds: 2,
  };

  it('names a skipped id range and never says "retrying" for a batch given up', () => {
    const line = textLine({
      ...base,
      logsSkipped: 100,
      skippedRanges: [{ fromCheckpoint: '9001', toCheckpoint: '9100', logs: 100 }],
    });
    expect(line).toContain('skipped 100 logs (ids after 9001..9100), not retried');
    expect(line).toContain('next run in 2 s');
    expect(line).not.toContain('retrying');
  });

  it('says "retrying" for a batch that was stopped (sent again)', () => {
    expect(textLine({ ...base, error: 'datadog answered 503' })).toContain('retrying in 2 s');
  });
});
