// Auth0's log-export extension (auth0-logs-to-provider, server/lib/processLogs.js) as it drives the
// original package: the same calls, in the same order, with settings read from its configuration.
// Only `ca` is added, so that the client trusts the fake tenant's certificate.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as tools from '../../src/index';
import type { LogEvent, StoredState } from '../../src/types';

/** The extension's settings, as its configuration hands them over (strings, or unset). */
export interface ExtensionConfig {
  AUTH0_DOMAIN: string;
  AUTH0_CLIENT_ID: string;
  AUTH0_CLIENT_SECRET: string;
  SLACK_INCOMING_WEBHOOK_URL?: string;
  SLACK_SEND_SUCCESS?: string | boolean;
  BATCH_SIZE?: string;
  START_FROM?: string;
  LOG_TYPES?: string;
  LOG_LEVEL?: string;
}

/** A webtask storage context: `read()` the document (default `{}`), `write()` it whole. */
export function webtaskStorage(initial: Record<string, unknown> = {}) {
  let data = structuredClone(initial);
  return {
    get data(): StoredState & { lastReportDate?: string } {
      return structuredClone(data) as StoredState;
    },
    async read(): Promise<StoredState> {
      return structuredClone(data) as StoredState;
    },
    async write(next: StoredState): Promise<void> {
      // The webtask storage serialises the document: Dates become strings.
      data = JSON.parse(JSON.stringify(next)) as Record<string, unknown>;
    },
  };
}

/** What one cron call of the extension did. */
export interface ExtensionRun {
  result?: tools.RunResult;
  error?: unknown;
  /** Logs each batch handed to the sender, already in the shape the senders ship. */
  shipped: Array<Record<string, unknown>>;
  /** The Slack posts the run started (the extension does not wait for them). */
  slack: Array<Promise<unknown>>;
}

/** One cron call: run the processor, ship with `send`, alert Slack as processLogs.js does. */
export async function runExtension(
  config: ExtensionConfig,
  storage: tools.StorageContext,
  ca: string,
  send: (logs: LogEvent[]) => Promise<void> = async () => undefined,
): Promise<ExtensionRun> {
  const provider = 'provider';
  const run: ExtensionRun = { shipped: [], slack: [] };
  const onLogsReceived = (logs: LogEvent[], callback: (error?: unknown) => void) => {
    // The senders ship each log with its type's name from logTypes.get().
    for (const log of logs)
      run.shipped.push({ ...log, type_name: tools.logTypes.get(String(log.type)) });
    send(logs).then(() => callback(), callback);
  };
  const slack = new tools.reporters.SlackReporter({
    hook: config.SLACK_INCOMING_WEBHOOK_URL,
    username: `auth0-logs-to-${provider}`,
    title: 'Logs Export',
  });
  const options: Record<string, unknown> = {
    domain: config.AUTH0_DOMAIN,
    clientId: config.AUTH0_CLIENT_ID,
    clientSecret: config.AUTH0_CLIENT_SECRET,
    batchSize: parseInt(config.BATCH_SIZE as string),
    startFrom: config.START_FROM,
    logTypes: config.LOG_TYPES,
    logLevel: config.LOG_LEVEL,
    logger: { debug() {}, info() {}, error() {} },
    ca,
  };
  const maxBatchSize = 100;
  if (!options['batchSize'] || (options['batchSize'] as number) > maxBatchSize) {
    options['batchSize'] = maxBatchSize;
  }
  if (options['logTypes'] && !Array.isArray(options['logTypes'])) {
    options['logTypes'] = (options['logTypes'] as string).replace(/\s/g, '').split(',');
  }
  const processor = new tools.LogsProcessor(
    storage,
    options as unknown as tools.LogsProcessorOptions,
  );
  const post = (status: unknown, checkpoint: string | null) =>
    run.slack.push(
      Promise.resolve()
        .then(() => slack.send(status as tools.RunStatus, checkpoint))
        .catch((error: unknown) => error),
    );
  try {
    const result = await processor.run(onLogsReceived);
    run.result = result;
    if (result && result.status && result.status.error) {
      post(result.status, result.checkpoint);
    } else if (config.SLACK_SEND_SUCCESS === true || config.SLACK_SEND_SUCCESS === 'true') {
      post(result.status, result.checkpoint);
    }
  } catch (error) {
    run.error = error;
    post({ error, logsProcessed: 0 }, null);
  }
  return run;
}

/** The extension's daily report: the last 24 hours of history, sent to Slack. */
export async function sendDailyReport(
  config: ExtensionConfig,
  storage: tools.StorageContext,
  ca: string,
  now: number,
): Promise<void> {
  const slack = new tools.reporters.SlackReporter({
    hook: config.SLACK_INCOMING_WEBHOOK_URL,
    username: 'auth0-logs-to-provider',
    title: 'Logs Export',
  });
  const processor = new tools.LogsProcessor(storage, {
    domain: config.AUTH0_DOMAIN,
    clientId: config.AUTH0_CLIENT_ID,
    clientSecret: config.AUTH0_CLIENT_SECRET,
    ca,
  });
  const end = now;
  const start = end - 86400000;
  const report = await processor.getReport(start, end);
  await slack.send(report, report.checkpoint);
}

/** A local Slack incoming webhook that records each post and answers 200 `ok`. */
export function useSlackSink(): () => { url: string; posts: tools.reporters.SlackMessage[] } {
  const posts: tools.reporters.SlackMessage[] = [];
  let server: http.Server | undefined;
  let url = '';
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        posts.push(JSON.parse(body) as tools.reporters.SlackMessage);
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T0/B0/sinkSecret123`;
  });
  beforeEach(() => {
    posts.length = 0;
  });
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => server?.close(() => resolve()));
  });
  return () => ({ url, posts });
}
