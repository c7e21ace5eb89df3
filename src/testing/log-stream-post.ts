import http from 'node:http';
import https from 'node:https';
import { systemCode } from '../util/system-codes';

/** The answer to one POST: a status, or why there was none (a system code or `'timeout'`). */
export type PostOutcome = { status: number } | { error: string };

/** What one POST needs; the agent carries the CA and the keep-alive sockets. */
export interface PostTarget {
  url: URL;
  headers: Readonly<Record<string, string>>;
  timeoutMs: number;
  agent: http.Agent;
}

/** A keep-alive agent for `url`'s protocol, trusting `ca` when given, `sockets` at most. */
export function streamAgent(url: URL, sockets: number, ca?: https.AgentOptions['ca']): http.Agent {
  const options = { keepAlive: true, maxSockets: sockets };
  if (url.protocol === 'http:') return new http.Agent(options);
  return new https.Agent(ca === undefined ? options : { ...options, ca });
}

/**
 * POSTs `body` and resolves with the status once the answer's body was read (and dropped), or
 * with why there was no answer. Never rejects; the outcome holds no header or message (they could
 * quote the Authorization token).
 */
export function post(target: PostTarget, body: string): Promise<PostOutcome> {
  const payload = Buffer.from(body, 'utf8');
  const client = target.url.protocol === 'http:' ? http : https;
  return new Promise((resolve) => {
    let settled = false;
    const settle = (outcome: PostOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    // the whole exchange, answer included, not only an idle socket
    const timer = setTimeout(() => {
      settle({ error: 'timeout' });
      req.destroy();
    }, target.timeoutMs);
    const req = client.request(target.url, {
      method: 'POST',
      agent: target.agent,
      headers: { ...target.headers, 'content-length': String(payload.length) },
    });
    req.on('error', (error) => settle({ error: systemCode(error) ?? 'error' }));
    req.on('response', (res) => {
      res.on('data', () => undefined);
      res.on('end', () => settle({ status: res.statusCode ?? 0 }));
      res.on('error', (error) => settle({ error: systemCode(error) ?? 'error' }));
    });
    req.end(payload);
  });
}
