// Ships the fake tenant's logs with this library (the build in dist/), run after run until done.
import { createRequire } from 'node:module';
import { memoryStorage } from './storage.mjs';

const require = createRequire(import.meta.url);

/** The built library, as `require('auth0-log-tools')` gives it. */
export function load() {
  return require('../dist/index.js');
}

/**
 * The storage the runs start with: empty, or (`config.storedToken`) holding a token fetched now
 * where the processor's state keeps it (`logs_access_token`), as a cron or `--follow` run finds
 * the 24 h token its previous run stored. The child calls it before its timer starts.
 */
export async function prepare(lib, config) {
  const storage = memoryStorage();
  if (!config.storedToken) return storage;
  const doc = {};
  const tokenCache = {
    getToken: async () => doc.logs_access_token ?? null,
    setToken: async (token) => {
      doc.logs_access_token = token;
    },
  };
  const client = new lib.LogsApiClient({
    domain: config.domain,
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    ca: config.ca,
    tokenCache,
  });
  await client.getAccessTokenCached();
  await storage.write(doc);
  return storage;
}

/**
 * Runs `LogsProcessor.run` until every log arrived, the deadline passed, or three runs in a row
 * shipped nothing. Resolves what the runs reported.
 */
export async function ship(lib, config, tally, deadline, storage = memoryStorage()) {
  const handler = (logs) =>
    new Promise((resolve) => {
      tally.add(logs);
      setTimeout(resolve, config.sendMs);
    });
  const outcome = { runs: 0, errors: [], warnings: [], skipped: 0 };
  let idle = 0;
  while (!tally.done && Date.now() < deadline && idle < 3) {
    const processor = new lib.LogsProcessor(storage, {
      domain: config.domain,
      clientId: config.clientId,
      clientSecret: config.clientSecret,
      ca: config.ca,
      batchSize: config.batchSize,
      concurrency: config.concurrency,
      backfillCursors: config.cursors ?? 1,
      maxRetries: config.maxRetries,
      maxRunTimeSeconds: Math.max(1, (deadline - Date.now()) / 1000),
    });
    const { status } = await processor.run(handler);
    outcome.runs += 1;
    if (status.error) outcome.errors.push(String(status.error));
    if (status.warning) outcome.warnings.push(String(status.warning));
    outcome.skipped += (status.skipped ?? []).reduce((sum, range) => sum + range.logs, 0);
    idle = status.logsProcessed > 0 ? 0 : idle + 1;
  }
  return outcome;
}
