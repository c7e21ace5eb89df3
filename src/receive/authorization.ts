import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Checks a request's `Authorization` header against the stream's token (Auth0 sends the custom
 * webhook's Authorization token verbatim as that header; no signature). Compared in constant time
 * (SHA-256 of both, `timingSafeEqual`), so neither the content nor the length leaks through
 * timing. `expected` undefined: every request is allowed.
 */
export function streamAuthorizer(expected: string | undefined): (header: unknown) => boolean {
  if (expected === undefined) return () => true;
  const want = digest(expected);
  return (header) => typeof header === 'string' && timingSafeEqual(digest(header), want);
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
