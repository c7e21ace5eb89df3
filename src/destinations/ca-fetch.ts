import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';

/** What {@link fetchWithCa} sends: a `POST` with its headers and body. */
export interface CaRequest {
  method: 'POST';
  headers: Record<string, string>;
  body: string;
  signal: AbortSignal;
}

/**
 * `fetch(url, request)` trusting `ca` (PEM) besides Node's roots, for an endpoint signed by a
 * private CA (a `serve` tenant's `ca`): Node's `fetch` takes no CA of its own. Never follows a
 * redirect (as `redirect: 'manual'`). Rejects as `node:https` does: with the system code
 * (`ECONNREFUSED`, `DEPTH_ZERO_SELF_SIGNED_CERT`, `SELF_SIGNED_CERT_IN_CHAIN`) in `code`.
 */
export function fetchWithCa(url: URL, request: CaRequest, ca: string): Promise<Response> {
  return new Promise((resolve, reject) => {
    const transport = url.protocol === 'https:' ? https : http;
    const outgoing = transport.request(
      url,
      {
        method: request.method,
        headers: { ...request.headers, 'content-length': Buffer.byteLength(request.body) },
        signal: request.signal,
        ...(url.protocol === 'https:' ? { ca: [...tls.rootCertificates, ca] } : {}),
      },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('error', reject);
        incoming.on('end', () => {
          const status = incoming.statusCode ?? 502;
          const headers = new Headers();
          for (const [name, value] of Object.entries(incoming.headers))
            if (value !== undefined)
              headers.set(name, Array.isArray(value) ? value.join(', ') : value);
          const empty = [101, 204, 205, 304].includes(status);
          resolve(
            new Response(empty ? null : Buffer.concat(chunks), {
              status,
              statusText: incoming.statusMessage ?? '',
              headers,
            }),
          );
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(request.body);
  });
}
