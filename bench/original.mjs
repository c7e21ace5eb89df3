// Ships the fake tenant's logs with auth0-log-extension-tools@1.3.10, run after run as its cron
// would, but back to back. It trusts the tenant's CA through NODE_EXTRA_CA_CERTS (set by the parent).
import { createRequire } from 'node:module';
import { memoryStorage } from './storage.mjs';

const require = createRequire(import.meta.url);

/** The original package. */
export function load() {
  return require('auth0-log-extension-tools');
}

/** A run's error as text: the original stores Error objects, arrays, or superagent errors. */
function describe(error) {
  if (Array.isArray(error)) return error.map(describe).join(' ');
  if (error && typeof error === 'object') {
    const status = error.status ?? error.statusCode;
    return `${error.name ?? 'Error'}${status ? ` ${status}` : ''}: ${error.message ?? ''}`.trim();
  }
  return String(error);
}

/**
 * Runs the original processor (a new one per run: it measures its run time from construction)
 * until every log arrived or the deadline passed. Each run stops after `maxRunTimeSeconds` (20),
 * on a rate limit, or after its retries.
 */
export async function ship(lib, config, tally, deadline) {
  const storage = memoryStorage();
  const handler = (logs, callback) => {
    tally.add(logs);
    setTimeout(callback, config.sendMs);
  };
  const outcome = { runs: 0, errors: [], warnings: [], skipped: 0 };
  while (!tally.done && Date.now() < deadline && outcome.runs < 1000) {
    const processor = new lib.LogsProcessor(storage, {
      domain: config.domain,
      clientId: config.clientId,
      clientSecret: config.clientSecret,
      batchSize: config.batchSize,
      maxRetries: config.maxRetries,
      maxRunTimeSeconds: Math.max(1, Math.min(20, (deadline - Date.now()) / 1000)),
    });
    const { status } = await processor.run(handler);
    outcome.runs += 1;
    if (status.error) outcome.errors.push(describe(status.error));
    if (status.warning) outcome.warnings.push(String(status.warning));
  }
  return outcome;
}
