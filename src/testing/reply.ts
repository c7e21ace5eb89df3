import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Reply } from './endpoints';

/** A {@link Reply} serialised: what goes on the wire, ready to write. */
export interface RenderedReply {
  status: number;
  headers: Record<string, string | number>;
  /** The body as sent: a string body as is, an object as JSON, none as `''`. */
  payload: string;
}

/** Serialises `reply` (JSON body, `content-type` and `content-length`; its headers win). */
export function renderReply(reply: Reply): RenderedReply {
  const body = reply.body;
  const payload = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  const headers: Record<string, string | number> = {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
  };
  for (const [name, value] of Object.entries(reply.headers)) headers[name.toLowerCase()] = value;
  return { status: reply.status, headers, payload };
}

/** Writes a rendered reply and ends the response. */
export function writeReply(res: ServerResponse, rendered: RenderedReply): void {
  res.writeHead(rendered.status, rendered.headers);
  res.end(rendered.payload);
}

/** The whole request body as UTF-8. */
export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
