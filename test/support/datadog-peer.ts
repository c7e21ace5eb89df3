import { gunzipSync } from 'node:zlib';
import { type Peer, type PeerAnswer, type PeerRequest, startPeer } from './peer';

/** Limits of Datadog's logs intake v2 (its docs, "Send logs"). */
export const INTAKE = { entries: 1000, requestBytes: 5 * 1024 * 1024, logBytes: 1024 * 1024 };

/** A strict logs intake v2: `/api/v2/logs`, `DD-API-KEY`, gzip, the size limits. */
export interface DatadogPeer extends Peer {
  readonly entries: Array<Record<string, unknown>>;
  /** Every refusal it made and why (a correct client causes none). */
  readonly refusals: string[];
}

export async function startDatadogPeer(apiKey: string): Promise<DatadogPeer> {
  const entries: Array<Record<string, unknown>> = [];
  const refusals: string[] = [];
  const refuse = (status: number, why: string): PeerAnswer => {
    refusals.push(why);
    return { status, body: { errors: [why] } };
  };
  const handle = (request: PeerRequest): PeerAnswer => {
    if (request.method !== 'POST' || request.path !== '/api/v2/logs') {
      return refuse(404, `not found: ${request.method} ${request.path}`);
    }
    if (request.headers['dd-api-key'] !== apiKey)
      return { status: 403, body: { errors: ['Forbidden'] } };
    if (!String(request.headers['content-type']).startsWith('application/json')) {
      return refuse(400, 'content-type is not application/json');
    }
    if (request.headers['content-encoding'] !== 'gzip') return refuse(400, 'not gzip');
    let text: string;
    try {
      text = gunzipSync(request.body).toString('utf8');
    } catch {
      return refuse(400, 'body is not gzip');
    }
    if (Buffer.byteLength(text) > INTAKE.requestBytes) return refuse(413, 'Payload too large');
    const batch = JSON.parse(text) as unknown;
    if (!Array.isArray(batch)) return refuse(400, 'not an array');
    if (batch.length > INTAKE.entries) return refuse(413, `${batch.length} entries`);
    for (const entry of batch as Array<Record<string, unknown>>) {
      if (entry['ddsource'] !== 'auth0') return refuse(400, 'ddsource is not auth0');
      if (typeof entry['service'] !== 'string') return refuse(400, 'no service');
      if (typeof entry['timestamp'] !== 'number') return refuse(400, 'no timestamp');
      if (Buffer.byteLength(JSON.stringify(entry)) > INTAKE.logBytes)
        refusals.push('log over 1 MB');
    }
    entries.push(...(batch as Array<Record<string, unknown>>));
    return { status: 202, body: {} };
  };
  const peer = await startPeer(handle);
  return Object.assign(peer, { entries, refusals });
}
