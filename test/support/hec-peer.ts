import { type Peer, type PeerAnswer, type PeerRequest, startPeer } from './peer';

/** One event HEC stored. */
export interface HecEvent {
  time?: number;
  host?: string;
  source?: string;
  sourcetype?: string;
  index?: string;
  event: Record<string, unknown>;
}

const KEYS = new Set(['time', 'host', 'source', 'sourcetype', 'index', 'event', 'fields']);

/** A strict HTTP Event Collector: `/services/collector/event`, `Splunk <token>`, HEC's codes. */
export interface HecPeer extends Peer {
  readonly events: HecEvent[];
}

const answer = (status: number, code: number, text: string, extra = {}): PeerAnswer => ({
  status,
  body: { text, code, ...extra },
});

/** Concatenated JSON objects, separated by optional whitespace only. */
export function splitConcatenated(text: string): string[] | number {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i] as string)) i++;
    if (i >= text.length) break;
    if (text[i] !== '{') return out.length;
    let depth = 0;
    let inString = false;
    const start = i;
    for (; i < text.length; i++) {
      const c = text[i];
      if (inString) {
        if (c === '\\') i++;
        else if (c === '"') inString = false;
      } else if (c === '"') inString = true;
      else if (c === '{') depth++;
      else if (c === '}' && --depth === 0) break;
    }
    if (depth !== 0) return out.length;
    out.push(text.slice(start, ++i));
  }
  return out;
}

export async function startHecPeer(
  token: string,
  indexes = ['main', 'auth0'],
  tls?: { key: string; cert: string },
): Promise<HecPeer> {
  const events: HecEvent[] = [];
  const handle = (request: PeerRequest): PeerAnswer => {
    if (request.method !== 'POST' || request.path !== '/services/collector/event') {
      return answer(404, 404, 'The requested URL was not found on this server.');
    }
    const auth = request.headers['authorization'];
    if (!auth) return answer(401, 2, 'Token is required');
    if (!/^Splunk \S+$/.test(auth)) return answer(401, 3, 'Invalid authorization');
    // A careless peer echoes what it got: the destination must redact it.
    if (auth !== `Splunk ${token}`) return answer(403, 4, `Invalid token ${auth.slice(7)}`);
    const text = request.body.toString('utf8');
    if (text.trim() === '') return answer(400, 5, 'No data');
    const parts = splitConcatenated(text);
    if (typeof parts === 'number') {
      return answer(400, 6, 'Invalid data format', { 'invalid-event-number': parts });
    }
    const batch: HecEvent[] = [];
    for (const [n, part] of parts.entries()) {
      let event: HecEvent;
      try {
        event = JSON.parse(part) as HecEvent;
      } catch {
        return answer(400, 6, 'Invalid data format', { 'invalid-event-number': n });
      }
      if (Object.keys(event).some((key) => !KEYS.has(key))) {
        return answer(400, 6, 'Invalid data format', { 'invalid-event-number': n });
      }
      if (event.event === undefined) return answer(400, 12, 'Event field is required');
      if (event.time !== undefined && typeof event.time !== 'number') {
        return answer(400, 6, 'Invalid data format', { 'invalid-event-number': n });
      }
      if (event.index !== undefined && !indexes.includes(event.index)) {
        return answer(400, 7, 'Incorrect index', { 'invalid-event-number': n });
      }
      batch.push(event);
    }
    events.push(...batch);
    return answer(200, 0, 'Success');
  };
  const peer = await startPeer(handle, tls);
  return Object.assign(peer, { events });
}
