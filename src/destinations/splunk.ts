import { Redactor } from '../util/redact';
import type { LogEvent } from '../types';
import { endpointUrl, shown } from './address';
import { DESTINATION_DEFAULTS } from './defaults';
import { DestinationError, codeOf, isRetryableStatus } from './errors';
import { type DestinationHandler, destinationHandler, logTime } from './handler';
import {
  flag,
  type HttpDestinationOptions,
  knownKeys,
  libraryName,
  type OptionName,
  plainObject,
  requestBytesOption,
  required,
  secret,
  text,
  timeoutOption,
} from './options';
import { type Sender, createSender, retryAfterOption } from './http-sender';
import { SentLogs } from './sent';
import { splitBySize } from './split';

/** Options of {@link splunk}. */
export interface SplunkOptions extends HttpDestinationOptions {
  /**
   * The HTTP Event Collector: a base URL (`/services/collector/event` is added) or the full
   * endpoint URL.
   * @example 'https://hec.example.com:8088'
   */
  url: string;
  /** The HEC token, sent as `Authorization: Splunk <token>`. A secret: it never appears in errors. */
  token: string;
  /** The events' `source`. @default 'auth0' */
  source?: string;
  /** The events' `sourcetype`. @default 'auth0' */
  sourcetype?: string;
  /** The index to store into; the token's default index when absent. */
  index?: string;
  /** The events' `host`; HEC's default (the sender's address) when absent. */
  host?: string;
  /** Most bytes in one request; a larger batch is split. @default 1000000 */
  maxRequestBytes?: number | string;
}

const KEYS = [
  'url',
  'token',
  'source',
  'sourcetype',
  'index',
  'host',
  'maxRequestBytes',
  'allowInsecureHttp',
  'ca',
  'timeoutMs',
  'http',
];

// HEC's status codes (Splunk docs, "Troubleshoot HTTP Event Collector"): these four are a busy or
// failing server; every other code is a token, index or payload that fails the same way again.
const RETRYABLE_CODES = new Set([8, 9, 18, 19, 20]);

// The same table's reasons, as stable codes.
const CODES: Record<number, string> = {
  1: 'token_disabled',
  2: 'token_required',
  3: 'invalid_authorization',
  4: 'invalid_token',
  5: 'no_data',
  6: 'invalid_data_format',
  7: 'incorrect_index',
  8: 'internal_server_error',
  9: 'server_busy',
  10: 'data_channel_missing',
  11: 'invalid_data_channel',
  12: 'event_field_required',
  13: 'event_field_blank',
  14: 'ack_disabled',
  15: 'indexed_fields_error',
  16: 'query_string_authorization_disabled',
  18: 'unhealthy_queues_full',
  19: 'unhealthy_ack_unavailable',
  20: 'unhealthy_queues_full_ack_unavailable',
};

const HINTS: Record<number, string> = {
  10: 'the token has indexer acknowledgement on; use a token without it',
  14: 'indexer acknowledgement is off for this token',
};

/**
 * Ships each batch to Splunk's HTTP Event Collector: one event object per log, concatenated, with
 * `time` from the log's `date` (epoch seconds with milliseconds) and the log as `event`. A batch is
 * acknowledged only when HEC answers `{"code":0}` to every request. Invalid token, index or payload
 * are permanent errors (not retried); a busy server (503, codes 9 and 18-20) is retried.
 * @example
 * const handler = destinations.splunk({ url: 'https://hec.example.com:8088', token: process.env.SPLUNK_HEC_TOKEN!, index: 'auth0' });
 * await new LogsProcessor(storage, options).run(handler);
 * @throws ArgumentError naming the option, when an option is invalid
 */
export function splunk(options: SplunkOptions, label: OptionName = libraryName('splunk')) {
  const o = plainObject<SplunkOptions>(options, 'splunk');
  knownKeys(o, KEYS, label, 'splunk');
  const defaults = DESTINATION_DEFAULTS.splunk;
  const insecure = flag('allowInsecureHttp', o.allowInsecureHttp, label, false);
  const url = endpointUrl('url', required('url', o.url, label), label, insecure, defaults.path);
  const token = secret('token', o.token, label, 'the HEC token, from SPLUNK_HEC_TOKEN');
  const fields = {
    source: text('source', o.source, label, defaults.source),
    sourcetype: text('sourcetype', o.sourcetype, label, defaults.sourcetype),
    index: text('index', o.index, label),
    host: text('host', o.host, label),
  };
  const maxRequestBytes = requestBytesOption(o.maxRequestBytes, label, defaults.maxRequestBytes);
  const timeoutMs = timeoutOption(o.timeoutMs, label);
  const redactor = new Redactor();
  redactor.add(token);
  const sender = createSender('splunk', o, redactor);
  const sent = new SentLogs();
  const headers = { authorization: `Splunk ${token}`, 'content-type': 'application/json' };

  const send = async (batch: LogEvent[]) => {
    const logs = sent.unsent(batch);
    const events = logs.map((log) => JSON.stringify(hecEvent(log, fields)));
    const sizes = events.map((e) => Buffer.byteLength(e));
    const groups = splitBySize(sizes, {
      maxEntries: Infinity,
      maxBytes: maxRequestBytes,
      separatorBytes: 1,
    });
    for (const group of groups) {
      const body = group.map((i) => events[i]).join('\n');
      await post(sender, url, headers, body, timeoutMs, redactor);
      sent.add(group.map((i) => logs[i] as LogEvent));
    }
    sent.forget(batch);
  };
  return destinationHandler(`splunk ${shown(url)}`, send, () => sender.close());
}

interface EventFields {
  source: string | undefined;
  sourcetype: string | undefined;
  index: string | undefined;
  host: string | undefined;
}

/** The HEC envelope of one log (Splunk docs, "Format events for HTTP Event Collector"). */
export function hecEvent(log: LogEvent, fields: EventFields): Record<string, unknown> {
  const ms = logTime(log);
  const event: Record<string, unknown> = {};
  if (ms !== undefined) event['time'] = Number((ms / 1000).toFixed(3));
  if (fields.host !== undefined) event['host'] = fields.host;
  if (fields.source !== undefined) event['source'] = fields.source;
  if (fields.sourcetype !== undefined) event['sourcetype'] = fields.sourcetype;
  if (fields.index !== undefined) event['index'] = fields.index;
  event['event'] = log;
  return event;
}

async function post(
  sender: Sender,
  url: URL,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
  redactor: Redactor,
): Promise<void> {
  const response = await sender.post({ url, headers, body, timeoutMs });
  const answer = parse(response.data);
  const status = response.status;
  if (status >= 200 && status < 300 && answer?.code === 0) return;
  const where = `splunk: HEC ${shown(url)} answered ${status}`;
  if (answer?.code !== undefined) {
    const reason = redactor.redact(answer.text ?? `code ${answer.code}`);
    const hint = HINTS[answer.code];
    const invalid = answer.invalidEvent === undefined ? '' : ` (event ${answer.invalidEvent})`;
    throw new DestinationError(
      'splunk',
      `splunk_${CODES[answer.code] ?? codeOf(reason)}`,
      `${where}: ${reason} (code ${answer.code})${invalid}${hint ? `: ${hint}` : ''}`,
      {
        status,
        ...retryAfterOption(response),
        permanent: RETRYABLE_CODES.has(answer.code)
          ? false
          : answer.code <= 20 || !isRetryableStatus(status),
      },
    );
  }
  const excerptText = redactor
    .redact(String(response.data ?? ''))
    .replace(/\s+/g, ' ')
    .trim();
  const detail = excerptText ? `: ${excerptText.slice(0, 120)}` : '';
  const ok = status >= 200 && status < 300;
  throw new DestinationError(
    'splunk',
    ok ? 'splunk_invalid_response' : `splunk_http_${status}`,
    ok ? `${where} without HEC's {"code":0}${detail}` : `${where}${detail}`,
    { status, ...retryAfterOption(response), permanent: !ok && !isRetryableStatus(status) },
  );
}

interface HecAnswer {
  code: number;
  text: string | undefined;
  invalidEvent: number | undefined;
}

function parse(body: unknown): HecAnswer | undefined {
  try {
    const json = JSON.parse(String(body)) as Record<string, unknown>;
    if (typeof json !== 'object' || json === null || typeof json['code'] !== 'number')
      return undefined;
    const invalid = json['invalid-event-number'];
    return {
      code: json['code'],
      text: typeof json['text'] === 'string' ? json['text'] : undefined,
      invalidEvent: typeof invalid === 'number' ? invalid : undefined,
    };
  } catch {
    return undefined;
  }
}

export type { DestinationHandler };
