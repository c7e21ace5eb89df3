import { isIP } from 'node:net';
import { ArgumentError } from '../errors';
import type { OptionName } from './options';

/** True for `localhost`, `127.0.0.0/8` and `::1`: plain HTTP never leaves the machine there. */
export function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || host === '0:0:0:0:0:0:0:1';
  return false;
}

/** True when `value` looks like a URL (has a scheme) rather than a bare host or site. */
export function hasScheme(value: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(value);
}

/**
 * Parses a destination URL: `https`, or `http` to a loopback host or with `allowInsecureHttp`.
 * Credentials inside the URL are refused (they come from the environment), so the URL is safe to
 * print. A path of `/` is replaced by `defaultPath`.
 * @throws ArgumentError naming `name`
 */
export function endpointUrl(
  name: string,
  raw: string,
  label: OptionName,
  allowInsecureHttp: boolean,
  defaultPath: string,
): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ArgumentError(
      `Expected \`${label(name)}\` to be an https URL, got ${JSON.stringify(raw)}`,
      name,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ArgumentError(
      `Expected \`${label(name)}\` to be an https URL, got the scheme ${url.protocol}`,
      name,
    );
  }
  if (url.username || url.password) {
    throw new ArgumentError(
      `\`${label(name)}\` must not hold credentials; they come from the environment`,
      name,
    );
  }
  if (url.protocol === 'http:' && !isLoopback(url.hostname) && !allowInsecureHttp) {
    throw new ArgumentError(
      `\`${label(name)}\` is plain http to ${url.hostname}, which is not a loopback address: use https, or set \`allowInsecureHttp\``,
      name,
    );
  }
  if (url.pathname === '/' || url.pathname === '') url.pathname = defaultPath;
  return url;
}

/** The URL as messages show it: origin and path, without query or fragment. */
export function shown(url: URL): string {
  return `${url.origin}${url.pathname}`;
}
