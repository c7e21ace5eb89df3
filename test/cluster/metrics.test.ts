import { createClusterMetrics, createRunMetrics } from '../../src/cluster/metrics';

/** A metric's value in a Prometheus text page (`undefined` when absent). */
function value(page: string, name: string, labels: string): number | undefined {
  const line = page.split('\n').find((l) => l.startsWith(`${name}{${labels}} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('createRunMetrics', () => {
  it('counts a run reported in progress as it goes, and the run once, when it ends', async () => {
    const metrics = await createRunMetrics();
    const page = () => metrics.registry.metrics();
    const shipped = async (tenant: string) =>
      value(await page(), 'auth0_log_tools_logs_shipped_total', `tenant="${tenant}"`);
    const runs = async (tenant: string) =>
      value(
        await page(),
        'auth0_log_tools_runs_total',
        `tenant="${tenant}",stop_reason="caught_up"`,
      );

    metrics.record({ tenant: 'a', inProgress: true, logsProcessed: 100, lagSeconds: 50 });
    expect(await shipped('a')).toBe(100);
    expect(value(await page(), 'auth0_log_tools_lag_seconds', 'tenant="a"')).toBe(50);
    expect(await runs('a')).toBeUndefined();
    metrics.record({ tenant: 'a', inProgress: true, logsProcessed: 250, lagSeconds: 20 });
    // another tenant's runs count on their own
    metrics.record({ tenant: 'b', logsProcessed: 7, stopReason: 'caught_up' });
    metrics.record({ tenant: 'a', logsProcessed: 300, stopReason: 'caught_up', lagSeconds: 3 });
    expect(await shipped('a')).toBe(300);
    expect(await runs('a')).toBe(1);
    expect(value(await page(), 'auth0_log_tools_lag_seconds', 'tenant="a"')).toBe(3);
    expect(await shipped('b')).toBe(7);
    // the next run counts from its own start
    metrics.record({ tenant: 'a', logsProcessed: 5, stopReason: 'caught_up' });
    expect(await shipped('a')).toBe(305);
    expect(await runs('a')).toBe(2);
  });

  it('is what createClusterMetrics makes, for serve', () => {
    expect(createClusterMetrics).toBe(createRunMetrics);
  });

  it('names prom-client and how to install it when it is missing', async () => {
    await jest.isolateModulesAsync(async () => {
      jest.doMock('prom-client', () => {
        throw Object.assign(new Error("Cannot find module 'prom-client'"), {
          code: 'MODULE_NOT_FOUND',
        });
      });
      const isolated = await import('../../src/cluster/metrics');
      await expect(isolated.createRunMetrics()).rejects.toMatchObject({
        message: 'Metrics need the optional peer dependency prom-client: npm install prom-client',
        option: 'metricsPort',
      });
    });
    jest.dontMock('prom-client'); // the next tests load the real one
  });
});
