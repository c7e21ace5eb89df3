import { readFileSync } from 'node:fs';
import { credentialsFromUrl, type PostOptions, postOptions } from '../../destinations/post';
import { isArgumentError } from '../../errors';
import { redactUrlCredentials } from '../../util/redact';
import { type CliIo, UsageError } from '../io';

/** One header as given: where it came from (for messages) and its `Name: value` text. */
export interface HeaderSource {
  flag: string;
  text: string;
}

export function postTarget(
  value: string,
  headerSources: HeaderSource[],
  env: CliIo['env'],
): PostOptions {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(
      `Expected --post to be an http(s) URL, got '${redactUrlCredentials(value)}'`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`Expected --post to be an http(s) URL, got a ${url.protocol} URL`);
  }
  let headers: Record<string, string> = {};
  for (const { flag, text } of headerSources) {
    const match = /^([!#$%&'*+.^_`|~\w-]+):\s*(.*)$/.exec(text);
    if (!match) {
      // never echo it: a header often carries the endpoint's credentials
      throw new UsageError(
        `Expected ${flag} to look like 'Name: value' (a header name, a colon, a value)`,
      );
    }
    const name = match[1] as string;
    headers[name] = headerValue(flag, name, (match[2] as string).trim(), env);
  }
  let fromUrl: boolean;
  try {
    // user:password@ becomes a Basic header, as a serve tenant's post.url
    ({ url, headers, fromUrl } = credentialsFromUrl(url, headers, (name) =>
      name === 'headers' ? '--header' : '--post',
    ));
    // the POST destination's own rules (header names and values HTTP allows), checked before
    // anything is locked or sent; its message names the flag
    postOptions(url.href, { headers }, (name) =>
      name === 'headers' ? '--header' : `--post ${name}`,
    );
  } catch (error) {
    if (isArgumentError(error)) throw new UsageError(error.message);
    throw error;
  }
  return {
    url,
    headers,
    ...(fromUrl
      ? { credentialsIn: 'url' as const }
      : headerSources.length
        ? { credentialsIn: 'header' as const }
        : {}),
  };
}

/** A header value, or the variable (`@env:NAME`) or file (`@file:PATH`) it names. */
function headerValue(flag: string, name: string, value: string, env: CliIo['env']): string {
  const reference = /^@(env|file):(.+)$/.exec(value);
  if (!reference) return value;
  const [, kind, where] = reference as unknown as [string, string, string];
  if (kind === 'env') {
    const found = env[where];
    if (!found) throw new UsageError(`${flag} ${name}: the variable ${where} is not set`);
    return found.trim();
  }
  let text: string;
  try {
    text = readFileSync(where, 'utf8');
  } catch (error) {
    throw new UsageError(
      `${flag} ${name}: cannot read ${where}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
  return text.trim();
}

/** The headers of `--header-file`: one `Name: value` a line; blank lines and `#` comments skipped. */
export function readHeaderFile(file: string): HeaderSource[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(
      `Cannot read --header-file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => ({ flag: '--header-file', text: line }));
}
