import { isLogId } from '../auth0/log-id';
import type { LogEvent } from '../types';

/**
 * The content formats of an Auth0 custom webhook stream (its `Content Format` setting; source:
 * Auth0's custom webhook settings, `LogStreamHttpContentFormatEnum` of node-auth0):
 * - `JSONLINES`: one element a line;
 * - `JSONARRAY`: one JSON array of elements;
 * - `JSONOBJECT`: one element as a JSON object (or an object whose every value is an element).
 * Each element is `{ "log_id": "<56 digits>", "data": { ...the log... } }`.
 */
export const STREAM_FORMATS = ['JSONLINES', 'JSONARRAY', 'JSONOBJECT'] as const;
export type StreamFormat = (typeof STREAM_FORMATS)[number];

/**
 * The `Content-Type`s a stream's body is read from: Auth0's `application/json` (any format) and the
 * JSON lines types; parameters (`; charset=utf-8`) are ignored; an absent type is read as JSON.
 */
export const STREAM_CONTENT_TYPES = [
  'application/json',
  'application/x-ndjson',
  'application/jsonl',
  'application/jsonlines',
  'application/x-jsonlines',
  'text/plain',
] as const;

/** A delivery refused as a whole: `status` 400 (malformed) or 415 (content type). */
export class DeliveryError extends Error {
  override name = 'DeliveryError';
  constructor(
    readonly status: 400 | 415,
    message: string,
  ) {
    super(message);
  }
}

/** One delivery's logs, in the order sent, and the format it was recognised as. */
export interface ParsedDelivery {
  format: StreamFormat;
  /** Each element's `data`, its `log_id` set to the element's. */
  logs: LogEvent[];
}

/**
 * Reads a delivery's body in any of the {@link STREAM_FORMATS} (recognised from the body itself:
 * Auth0 sends every format as `application/json`). All or nothing: the first malformed element
 * throws a {@link DeliveryError} (400) naming it (`element 3 (line 3)`) and what is wrong.
 * @throws DeliveryError 415 for a content type outside {@link STREAM_CONTENT_TYPES}
 */
export function parseDelivery(body: string, contentType: string | undefined): ParsedDelivery {
  const type = (contentType ?? 'application/json').split(';')[0]?.trim().toLowerCase() ?? '';
  if (!(STREAM_CONTENT_TYPES as readonly string[]).includes(type))
    throw new DeliveryError(
      415,
      `Expected Content-Type ${STREAM_CONTENT_TYPES.join(', ')}, got '${type.slice(0, 80)}'`,
    );
  const text = body.trim();
  if (text === '') throw new DeliveryError(400, 'The body is empty: expected log stream elements');
  let whole: unknown;
  // JSON lines of objects are never one JSON text: read them line by line at once
  let parsed = !(text.startsWith('{') && /}\s*\n\s*{/.test(text));
  if (parsed) {
    try {
      whole = JSON.parse(text);
    } catch {
      parsed = false;
    }
  }
  if (parsed && Array.isArray(whole))
    return { format: 'JSONARRAY', logs: whole.map((e, i) => element(e, `element ${i + 1}`)) };
  if (parsed && isObject(whole)) {
    if ('log_id' in whole || 'data' in whole)
      return { format: 'JSONOBJECT', logs: [element(whole, 'element 1')] };
    const keys = Object.keys(whole);
    if (keys.length === 0) throw new DeliveryError(400, 'The body is an empty object: no elements');
    return {
      format: 'JSONOBJECT',
      logs: keys.map((key) => element(whole[key], `element '${key.slice(0, 40)}'`)),
    };
  }
  if (parsed) throw new DeliveryError(400, `Expected elements, got a JSON ${typeof whole}`);
  const logs: LogEvent[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (line === '') continue;
    const where = `element ${logs.length + 1} (line ${i + 1})`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new DeliveryError(400, `${where} is not JSON: ${(error as Error).message}`);
    }
    logs.push(element(value, where));
  }
  return { format: 'JSONLINES', logs };
}

/** One element's log; throws a {@link DeliveryError} naming it (`where`). */
function element(value: unknown, where: string): LogEvent {
  if (!isObject(value)) throw new DeliveryError(400, `${where} is not an object`);
  const id = value.log_id;
  if (!isLogId(id))
    throw new DeliveryError(
      400,
      `${where} has no log_id of 56 digits (got ${JSON.stringify(id)?.slice(0, 80) ?? 'none'})`,
    );
  const data = value.data;
  if (!isObject(data)) throw new DeliveryError(400, `${where} (log_id ${id}) has no data object`);
  const own = data.log_id ?? data._id;
  if (own !== undefined && own !== id)
    throw new DeliveryError(
      400,
      `${where}: log_id ${id} differs from its data's ${JSON.stringify(own).slice(0, 80)}`,
    );
  return (own === undefined ? { ...data, log_id: id } : data) as LogEvent;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
