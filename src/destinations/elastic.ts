import { ArgumentError } from '../errors';
import { Redactor } from '../util/redact';
import { isStreamRecord } from '../auth0/log-stream';
import type { LogEvent } from '../types';
import { endpointUrl, shown } from './address';
import { DESTINATION_DEFAULTS } from './defaults';
import { DestinationError, codeOf, isRetryableStatus } from './errors';
import { destinationHandler } from './handler';
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
import { SentLogs, idOf } from './sent';
import { splitBySize } from './split';

/** Options of {@link elastic}. Give `apiKey`, or `username` and `password`, or neither (no security). */
export interface ElasticOptions extends HttpDestinationOptions {
  /**
   * The Elasticsearch URL; `/_bulk` is added to its path.
   * @example 'https://es.example.com:9200'
   */
  url: string;
  /** An encoded API key, sent as `Authorization: ApiKey <key>`. A secret. */
  apiKey?: string;
  /** The user of basic authentication. */
  username?: string;
  /** The password of basic authentication. A secret. */
  password?: string;
  /** The data stream (or index) to store into. @default 'logs-auth0-default' */
  index?: string;
  /** An ingest pipeline to run each document through. */
  pipeline?: string;
  /** Most bytes in one `_bulk` request; a larger batch is split. @default 10485760 */
  maxRequestBytes?: number | string;
}

const KEYS = [
  'url',
  'apiKey',
  'username',
  'password',
  'index',
  'pipeline',
  'maxRequestBytes',
  'allowInsecureHttp',
  'ca',
  'timeoutMs',
  'http',
];

/**
 * Ships each batch with Elasticsearch's `_bulk` API: a `create` action per log with `_id` set to its
 * `log_id`, so a batch shipped twice is stored once. Each document is the log with `@timestamp`
 * (its `date`, which a data stream requires); the log's `_id` (a metadata field in Elasticsearch)
 * becomes the document's `_id`. An item answered 409 (already exists) counts as stored. A batch is
 * acknowledged only when every item is stored; otherwise the handler rejects and, when the processor
 * retries, only the items not stored yet are sent. Items refused for good (a mapping error, 403) make
 * the error permanent once no retryable item (429, 5xx) is left.
 * @example
 * const handler = destinations.elastic({ url: 'https://es.example.com:9200', apiKey: process.env.ELASTIC_API_KEY });
 * @throws ArgumentError naming the option, when an option is invalid
 */
export function elastic(options: ElasticOptions, label: OptionName = libraryName('elastic')) {
  const o = plainObject<ElasticOptions>(options, 'elastic');
  knownKeys(o, KEYS, label, 'elastic');
  const defaults = DESTINATION_DEFAULTS.elastic;
  const insecure = flag('allowInsecureHttp', o.allowInsecureHttp, label, false);
  const url = endpointUrl('url', required('url', o.url, label), label, insecure, '/_bulk');
  if (!url.pathname.endsWith('/_bulk')) url.pathname = `${url.pathname.replace(/\/+$/, '')}/_bulk`;
  const index = text('index', o.index, label, defaults.index) as string;
  const pipeline = text('pipeline', o.pipeline, label);
  if (pipeline !== undefined) url.searchParams.set('pipeline', pipeline);
  const maxRequestBytes = requestBytesOption(o.maxRequestBytes, label, defaults.maxRequestBytes);
  const timeoutMs = timeoutOption(o.timeoutMs, label);
  const redactor = new Redactor();
  const authorization = auth(o, label, redactor);
  const sender = createSender('elastic', o, redactor);
  const sent = new SentLogs();
  const headers: Record<string, string> = { 'content-type': 'application/x-ndjson' };
  if (authorization) headers['authorization'] = authorization;

  const send = async (batch: LogEvent[]) => {
    const logs = sent.unsent(batch);
    const lines = logs.map((log) => bulkLines(log, index));
    const groups = splitBySize(
      lines.map((l) => Buffer.byteLength(l)),
      { maxEntries: Infinity, maxBytes: maxRequestBytes },
    );
    const failures: ItemFailure[] = [];
    for (const group of groups) {
      const part = group.map((i) => logs[i] as LogEvent);
      const body = group.map((i) => lines[i]).join('');
      const results = await bulk(sender, url, headers, body, part.length, timeoutMs, redactor);
      results.forEach((failure, i) => {
        if (failure) failures.push(failure);
        else sent.add([part[i] as LogEvent]);
      });
    }
    if (failures.length) throw itemsError(url, failures, logs.length, redactor);
    sent.forget(batch);
  };
  return destinationHandler(`elastic ${shown(url)} (${index})`, send, () => sender.close());
}

function auth(o: ElasticOptions, label: OptionName, redactor: Redactor): string | undefined {
  const hasBasic = o.username !== undefined || o.password !== undefined;
  if (o.apiKey !== undefined && o.apiKey !== '' && hasBasic) {
    throw new ArgumentError(
      `Give \`${label('apiKey')}\` or \`${label('username')}\`/\`${label('password')}\`, not both`,
      'apiKey',
    );
  }
  if (o.apiKey !== undefined && o.apiKey !== '') {
    const key = secret('apiKey', o.apiKey, label, 'an encoded API key, from ELASTIC_API_KEY');
    redactor.add(key);
    return `ApiKey ${key}`;
  }
  if (!hasBasic) return undefined;
  const username = required('username', o.username, label, 'from ELASTIC_USERNAME');
  const password = secret('password', o.password, label, 'from ELASTIC_PASSWORD');
  const basic = Buffer.from(`${username}:${password}`).toString('base64');
  redactor.add(password);
  redactor.add(basic);
  return `Basic ${basic}`;
}

/**
 * The action and document lines of one log, each ending in a line break. A Log Streams record
 * (`format: 'stream'`) stays `{ log_id, data }` with `@timestamp` from `data.date`; `_id` (a
 * metadata field Elasticsearch refuses inside a document) is left out of `data` as of a raw log.
 */
export function bulkLines(shipped: LogEvent, index: string): string {
  const id = idOf(shipped);
  const record = isStreamRecord(shipped) ? shipped : undefined;
  const log = record ? record.data : shipped;
  const { _id: legacy, ...fields } = log;
  const doc: Record<string, unknown> = record
    ? { '@timestamp': log.date, log_id: record.log_id, data: fields }
    : { '@timestamp': log.date, ...fields };
  if (legacy !== undefined && legacy !== id) (record ? fields : doc)['auth0_id'] = legacy;
  const action = { create: id === undefined ? { _index: index } : { _index: index, _id: id } };
  return `${JSON.stringify(action)}\n${JSON.stringify(doc)}\n`;
}

interface ItemFailure {
  id: string | undefined;
  status: number;
  type: string;
  reason: string;
}

/** Posts one `_bulk` request; resolves one entry per item: `undefined` when stored (201, 200, 409). */
async function bulk(
  sender: Sender,
  url: URL,
  headers: Record<string, string>,
  body: string,
  count: number,
  timeoutMs: number,
  redactor: Redactor,
): Promise<Array<ItemFailure | undefined>> {
  const response = await sender.post({ url, headers, body, timeoutMs });
  const status = response.status;
  const json = parse(response.data);
  if (status < 200 || status >= 300) {
    const error = json?.['error'] as { type?: unknown; reason?: unknown } | string | undefined;
    const type = typeof error === 'object' && typeof error.type === 'string' ? error.type : '';
    const reason =
      typeof error === 'object' && typeof error.reason === 'string'
        ? error.reason
        : typeof error === 'string'
          ? error
          : String(response.data ?? '').slice(0, 160);
    const detail = redactor.redact([type, reason].filter(Boolean).join(': ')).replace(/\s+/g, ' ');
    throw new DestinationError(
      'elastic',
      type ? `elastic_${codeOf(type)}` : `elastic_http_${status}`,
      `elastic: ${shown(url)} answered ${status}${detail ? `: ${detail}` : ''}`,
      { status, ...retryAfterOption(response), permanent: !isRetryableStatus(status) },
    );
  }
  const items = json?.['items'];
  if (!Array.isArray(items) || items.length !== count) {
    throw new DestinationError(
      'elastic',
      'elastic_invalid_response',
      `elastic: ${shown(url)} answered ${status} without one result per item (sent ${count}, got ${Array.isArray(items) ? items.length : 'none'})`,
      { status, permanent: false },
    );
  }
  return items.map((item: unknown) => itemFailure(item));
}

function itemFailure(item: unknown): ItemFailure | undefined {
  const result = (item as { create?: Record<string, unknown> } | null)?.create ?? {};
  const status = typeof result['status'] === 'number' ? result['status'] : 0;
  if ((status >= 200 && status < 300) || status === 409) return undefined;
  const error = (result['error'] ?? {}) as { type?: unknown; reason?: unknown };
  return {
    id: typeof result['_id'] === 'string' ? result['_id'] : undefined,
    status,
    type: typeof error.type === 'string' ? error.type : `http_${status}`,
    reason: typeof error.reason === 'string' ? error.reason : 'no reason given',
  };
}

function itemsError(url: URL, failures: ItemFailure[], total: number, redactor: Redactor) {
  const retryable = failures.filter((f) => f.status === 0 || isRetryableStatus(f.status));
  const first = retryable[0] ?? (failures[0] as ItemFailure);
  const reason = redactor.redact(first.reason).replace(/\s+/g, ' ').slice(0, 200);
  const permanent = retryable.length === 0;
  // refused for good and every other log stored: named by id, for the processor's dead letter
  const rejected = permanent && failures.every((f) => f.id !== undefined) ? failures : [];
  return new DestinationError(
    'elastic',
    `elastic_${codeOf(first.type)}`,
    `elastic: ${shown(url)} stored ${total - failures.length} of the ${total} logs sent; ${failures.length} refused, first ${first.id ?? '(no id)'}: ${first.status} ${first.type}: ${reason}`,
    {
      permanent,
      ...(rejected.length
        ? {
            rejected: rejected.map((f) => ({
              log_id: f.id as string,
              reason: `${f.status} ${f.type}: ${redactor.redact(f.reason).replace(/\s+/g, ' ').slice(0, 200)}`,
            })),
          }
        : {}),
    },
  );
}

function parse(body: unknown): Record<string, unknown> | undefined {
  try {
    const json = JSON.parse(String(body)) as unknown;
    return typeof json === 'object' && json !== null
      ? (json as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
