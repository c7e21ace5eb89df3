import type { ClusterTenant } from '../../src/cluster/worker-options';
import type { FakeTenant } from '../../src/testing';
import type { LogEvent } from '../../src/types';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` every 50 ms; rejects naming `what` after `timeoutMs`. */
export async function until(probe: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** A cluster tenant of a fake tenant whose handler collects the log ids it was given. */
export function collectingTenant(
  id: string,
  tenant: FakeTenant,
  ids: Set<string>,
  extra: Partial<ClusterTenant> = {},
): ClusterTenant {
  return {
    id,
    intervalSeconds: 1,
    processor: {
      domain: tenant.domain,
      clientId: tenant.clientId,
      clientSecret: tenant.clientSecret,
      ca: tenant.ca,
      batchSize: 100,
    },
    handler: async (logs: LogEvent[]) => {
      for (const log of logs) if (log.log_id) ids.add(log.log_id);
    },
    ...extra,
  };
}
