import { ArgumentError } from '../errors';
import { Redactor } from '../util/redact';
import type { LogEvent, RunWarning } from '../types';
import { endpointUrl, hasScheme, shown } from './address';
import { DESTINATION_DEFAULTS } from './defaults';
import { DestinationError, isRetryableStatus } from './errors';
import { destinationHandler, logTime } from './handler';
import { gzip } from './gzip';
import {
  flag,
  type HttpDestinationOptions,
  knownKeys,
  libraryName,
  type OptionName,
  plainObject,
  secret,
  text,
  timeoutOption,
} from './options';
import { type Sender, createSender, retryAfterOption } from './http-sender';
import { SentLogs } from './sent';
import { splitBySize } from './split';

/** Options of {@link datadog}. */
export interface DatadogOptions extends HttpDestinationOptions {
  /**
   * The Datadog site (`datadoghq.com`, `datadoghq.eu`, `us3.datadoghq.com`, `us5.datadoghq.com`,
   * `ap1.datadoghq.com`, `ddog-gov.com`), whose intake is `https://http-intake.logs.<site>/api/v2/logs`;
   * or a full URL (a proxy, a test server).
   * @default 'datadoghq.com'
   */
  site?: string;
  /** The API key, sent as `DD-API-KEY`. A secret: it never appears in errors. */
  apiKey: string;
  /** Each entry's `service`. @default 'auth0' */
  service?: string;
  /** Each entry's `ddtags`, e.g. `env:prod,team:iam`. */
  tags?: string;
  /** Each entry's `hostname`; the log's own `hostname` field (the tenant's domain) when absent. */
  hostname?: string;
}

const KEYS = [
  'site',
  'apiKey',
  'service',
  'tags',
  'hostname',
  'allowInsecureHttp',
  'ca',
  'timeoutMs',
  'http',
];

const SITE =
  /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/i;

/** The intake URL of a site (`datadoghq.eu`) or of a full URL. */
export function datadogIntake(site: string, label: OptionName, allowInsecureHttp: boolean): URL {
  const { path } = DESTINATION_DEFAULTS.datadog;
  if (hasScheme(site)) return endpointUrl('site', site, label, allowInsecureHttp, path);
  if (!SITE.test(site)) {
    throw new ArgumentError(
      `Expected \`${label('site')}\` to be a Datadog site such as datadoghq.com or datadoghq.eu, or a URL, got ${JSON.stringify(site)}`,
      'site',
    );
  }
  return new URL(`https://http-intake.logs.${site.toLowerCase()}${path}`);
}

/**
 * Ships each batch to Datadog's logs intake v2, gzipped, split to stay within the intake's limits
 * (1,000 entries and 5 MB a request). Each entry is the log's fields with `ddsource: 'auth0'`,
 * `service`, and `timestamp` (the log's `date`, epoch ms). Datadog accepts a log over its 1 MB
 * limit but truncates it; Auth0 logs are a few KB. A batch is acknowledged only when every request was answered 2xx; parts
 * already accepted are not sent again when the processor retries the batch. 408, 429 and 5xx are
 * retried; every other status (400, 403 for an invalid key, 413) is a permanent error.
 * @example
 * const handler = destinations.datadog({ site: 'datadoghq.eu', apiKey: process.env.DD_API_KEY! });
 * @throws ArgumentError naming the option, when an option is invalid
 */
export function datadog(options: DatadogOptions, label: OptionName = libraryName('datadog')) {
  const o = plainObject<DatadogOptions>(options, 'datadog');
  knownKeys(o, KEYS, label, 'datadog');
  const defaults = DESTINATION_DEFAULTS.datadog;
  const insecure = flag('allowInsecureHttp', o.allowInsecureHttp, label, false);
  const url = datadogIntake(text('site', o.site, label, defaults.site) as string, label, insecure);
  const apiKey = secret('apiKey', o.apiKey, label, 'the API key, from DD_API_KEY');
  const fields = {
    service: text('service', o.service, label, defaults.service) as string,
    tags: text('tags', o.tags, label),
    hostname: text('hostname', o.hostname, label),
  };
  const timeoutMs = timeoutOption(o.timeoutMs, label);
  const redactor = new Redactor();
  redactor.add(apiKey);
  const sender = createSender('datadog', o, redactor);
  const sent = new SentLogs();
  const headers = {
    'dd-api-key': apiKey,
    'content-type': 'application/json',
    'content-encoding': 'gzip',
  };

  const window = new IntakeWindow();
  const send = async (batch: LogEvent[]) => {
    const logs = sent.unsent(batch);
    window.count(logs);
    const entries = logs.map((log) => JSON.stringify(datadogEntry(log, fields)));
    const sizes = entries.map((e) => Buffer.byteLength(e));
    const groups = splitBySize(sizes, {
      maxEntries: defaults.maxEntries,
      maxBytes: defaults.maxRequestBytes,
      separatorBytes: 1,
      frameBytes: 2,
    });
    for (const group of groups) {
      const body = await gzip(`[${group.map((i) => entries[i]).join(',')}]`);
      await post(sender, url, headers, body, timeoutMs, redactor);
      sent.add(group.map((i) => logs[i] as LogEvent));
    }
    sent.forget(batch);
  };
  return Object.assign(
    destinationHandler(`datadog ${shown(url)}`, send, () => sender.close()),
    { drainWarnings: () => window.drain() },
  );
}

/**
 * Datadog's intake window: "Log events can be submitted with a timestamp that is up to 18 hours
 * in the past" (https://docs.datadoghq.com/api/latest/logs/send-logs/); the intake answers 202 to
 * an older entry, then drops it. In ms.
 */
export const DATADOG_INTAKE_WINDOW_MS = 18 * 3600 * 1000;

/**
 * Counts the logs sent that are older than {@link DATADOG_INTAKE_WINDOW_MS} (by their `date` and
 * `now`, epoch ms) and reports them as one `destination_window` warning per run: they are sent
 * (a refusal would block a tenant behind them for good), and the run says how many Datadog will
 * not keep.
 */
export class IntakeWindow {
  private old = 0;
  private oldest: number | undefined;

  constructor(private readonly now: () => number = Date.now) {}

  /** Counts the logs of a batch about to be sent that fall outside the window. */
  count(logs: readonly LogEvent[]): void {
    const limit = this.now() - DATADOG_INTAKE_WINDOW_MS;
    for (const log of logs) {
      const ms = logTime(log);
      if (ms === undefined || ms >= limit) continue;
      this.old += 1;
      if (!(ms >= (this.oldest ?? Infinity))) this.oldest = ms;
    }
  }

  /** The warning for the logs counted since the last call, if any. */
  drain(): RunWarning[] {
    if (this.old === 0) return [];
    const message = `${this.old} logs sent to Datadog are dated more than 18 h back (oldest ${new Date(this.oldest as number).toISOString()}): Datadog's intake accepts and then drops entries older than 18 hours; ship them to another destination (an archive, --out) to keep them.`;
    this.old = 0;
    this.oldest = undefined;
    return [{ code: 'destination_window', message }];
  }
}

interface EntryFields {
  service: string;
  tags: string | undefined;
  hostname: string | undefined;
}

/** One intake entry: the log's fields, then Datadog's reserved attributes. */
export function datadogEntry(log: LogEvent, fields: EntryFields): Record<string, unknown> {
  const entry: Record<string, unknown> = { ...log, ddsource: 'auth0', service: fields.service };
  const ms = logTime(log);
  if (ms !== undefined) entry['timestamp'] = ms;
  if (fields.tags !== undefined) entry['ddtags'] = fields.tags;
  if (fields.hostname !== undefined) entry['hostname'] = fields.hostname;
  return entry;
}

async function post(
  sender: Sender,
  url: URL,
  headers: Record<string, string>,
  body: Buffer,
  timeoutMs: number,
  redactor: Redactor,
): Promise<void> {
  const response = await sender.post({ url, headers, body, timeoutMs });
  const status = response.status;
  if (status >= 200 && status < 300) return;
  const reason = datadogReason(response.data, redactor);
  throw new DestinationError(
    'datadog',
    `datadog_http_${status}`,
    `datadog: ${shown(url)} answered ${status}${reason ? `: ${reason}` : ''}`,
    { status, ...retryAfterOption(response), permanent: !isRetryableStatus(status) },
  );
}

/** The intake's `{"errors":[...]}` (or `[{"detail": ...}]`) as one line. */
function datadogReason(body: unknown, redactor: Redactor): string {
  const raw = String(body ?? '');
  let reason = raw;
  try {
    const json = JSON.parse(raw) as { errors?: unknown };
    if (Array.isArray(json.errors)) {
      reason = json.errors
        .map((e: unknown) =>
          typeof e === 'string'
            ? e
            : typeof e === 'object' && e !== null
              ? String(
                  (e as Record<string, unknown>)['detail'] ??
                    (e as Record<string, unknown>)['title'] ??
                    JSON.stringify(e),
                )
              : String(e),
        )
        .join('; ');
    }
  } catch {
    // not JSON: the raw text
  }
  const flat = redactor.redact(reason).replace(/\s+/g, ' ').trim();
  return flat.length > 160 ? `${flat.slice(0, 160)}...` : flat;
}
