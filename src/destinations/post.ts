import { ArgumentError, errorMessage } from '../errors';
import type { LogEvent } from '../types';
import { addHeaderSecrets, Redactor } from '../util/redact';
import { isPermanentNetworkCode, systemCode } from '../util/system-codes';
import { fetchWithCa } from './ca-fetch';
import { DestinationError, isRetryableStatus } from './errors';
import { type DestinationHandler, destinationHandler } from './handler';
import { type OptionName, integer } from './options';
import { invalidAs } from '../options/check';
import { LIMITS } from '../options/limits';
import { retryAfterMs } from './retry-after';

/** A header name as HTTP allows it (RFC 9110's token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~\w-]+$/;
/**
 * A header value fetch can send (RFC 9110's field-value, in bytes as fetch's ByteString takes
 * them): visible characters, spaces, tabs and obs-text.
 */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** An HTTP endpoint that takes each batch as a JSON array (`ship --post`, a serve tenant's `post`). */
export interface PostOptions {
  /** Where each batch is `POST`ed; credentials belong in `headers`, not in the URL. */
  url: URL;
  /** Headers sent with each request (an `Authorization` among them); masked in every message. */
  headers?: Record<string, string>;
  /** Time each request may take, in ms. @default 30000 */
  timeoutMs?: number;
  /**
   * Where the CLI took the credentials from, for a 401's advice: `url` (user:password@ in
   * `--post`) or `header` (`--header`, `--header-file`).
   */
  credentialsIn?: 'url' | 'header';
  /**
   * The settings a 401's or 404's advice names: a serve tenant's (`tenants[0].post.url`).
   * @default `{ url: '--post URL', headers: '--header or --header-file' }`, the CLI's flags
   */
  names?: { url: string; headers: string };
  /** Masks other secrets (the CLI's client secret) in messages, besides the headers. */
  redact?: (text: string) => string;
  /**
   * PEM of a private CA trusted besides Node's roots (a `serve` tenant's `ca`, whose collector it
   * may sign). @default Node's roots and `NODE_EXTRA_CA_CERTS` only
   */
  ca?: string;
}

/**
 * The credentials of a URL (`https://user:pw@host/`) moved into an `Authorization: Basic` header,
 * as `ship --post` and a `serve` tenant's `post.url` take them: returns the URL without them and
 * the headers with it. `url` and `headers` are not changed.
 * @throws ArgumentError naming `headers` when `headers` has an `Authorization` already (never a value)
 */
export function credentialsFromUrl(
  url: URL,
  headers: Record<string, string>,
  label: OptionName,
): { url: URL; headers: Record<string, string>; fromUrl: boolean } {
  if (!url.username && !url.password) return { url, headers, fromUrl: false };
  if (Object.keys(headers).some((name) => name.toLowerCase() === 'authorization'))
    throw new ArgumentError(
      `Pass the credentials of ${label('url')} either in its URL (user:password@) or in an Authorization header, not both (${label('headers')})`,
      'headers',
    );
  const user = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  const bare = new URL(url.href);
  bare.username = '';
  bare.password = '';
  return {
    url: bare,
    headers: {
      ...headers,
      Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
    },
    fromUrl: true,
  };
}

/** The CLI's flags, named by a POST's advice unless `PostOptions.names` says otherwise. */
const CLI_NAMES = { url: '--post URL', headers: '--header or --header-file' };

/** What to do about a destination's 4xx (408 and 429 are retried, so not here). */
function advice(status: number, options: PostOptions): string {
  const { url, headers } = options.names ?? CLI_NAMES;
  if (status === 413) return 'the batch is too large for it: lower --batch-size';
  if (status === 401 || status === 403)
    return options.credentialsIn === 'url'
      ? `check the user:password in the ${url}`
      : options.credentialsIn === 'header'
        ? `check the credentials in ${headers}`
        : options.names
          ? `it wants credentials: pass them in ${headers} or as user:password@ in the ${url}`
          : 'it wants credentials: pass them with --header or user:password@ in the --post URL';
  if (status === 404 || status === 405) return `check the ${url}`;
  return 'it refuses the batch; retrying cannot help';
}

/** Whether fetch refused the URL's port as one of the Fetch standard's blocked ports. */
function badPort(error: unknown): boolean {
  const cause = (error as { cause?: { message?: unknown } } | null)?.cause;
  return cause?.message === 'bad port';
}

/**
 * Each batch `POST`ed as a JSON array; any 2xx answer acknowledges it. A 4xx other than 408 and
 * 429 is a permanent {@link DestinationError} (not retried) whose message advises what to check;
 * 408, 429, 5xx and network failures are retried, except the network failures of
 * `PERMANENT_NETWORK_CODES` (`util/system-codes.ts`). The system code stays in the message
 * (`POST https://x/ failed: ECONNREFUSED`) and in `systemCode`; a 429's or 503's `Retry-After` is
 * `retryAfterMs`. A port fetch refuses (the Fetch standard's "bad ports": 1, 22, 25, ...) fails at
 * once, permanent. Messages quote at most 200 characters of the answer, every header value (and
 * what `redact` masks) hidden, so what the endpoint echoes never reaches the history or logs.
 *
 * Sent with `fetch`, not the HTTP sender the other HTTP destinations share: the behaviour `ship
 * --post` and `serve` have always had (the bad-port refusal, the messages quoting fetch's system
 * code, Node's trust store and `NODE_EXTRA_CA_CERTS` rather than `--ca-file`, which is the
 * tenant's).
 */
export function post(options: PostOptions): DestinationHandler {
  const own = new Redactor();
  const headers = options.headers ?? {};
  for (const value of Object.values(headers)) addHeaderSecrets(own, value);
  const redact = (text: string) => own.redact(options.redact ? options.redact(text) : text);
  const { url } = options;
  const label = `${url.origin}${url.pathname}`;
  const send = async (logs: LogEvent[]) => {
    let response: Response;
    try {
      const request = {
        method: 'POST' as const,
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(logs),
        signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
      };
      response =
        options.ca === undefined
          ? await fetch(url, { ...request, redirect: 'manual' })
          : await fetchWithCa(url, request, options.ca);
    } catch (error) {
      throw networkError(label, url, error, redact);
    }
    const body = await response.text().catch(() => '');
    if (response.ok) return;
    const status = response.status;
    const excerpt = body.replace(/\s+/g, ' ').trim().slice(0, 200);
    const answer = `${status} ${response.statusText}`.trim() + (excerpt ? `: ${excerpt}` : '');
    const code = `post_http_${status}`;
    if (status >= 400 && status < 500 && !isRetryableStatus(status)) {
      throw new DestinationError(
        'post',
        code,
        redact(`POST ${label} answered ${answer} (${advice(status, options)})`),
        { permanent: true, status },
      );
    }
    const wait = retryAfterMs(response.headers.get('retry-after'));
    throw new DestinationError('post', code, redact(`POST ${label} answered ${answer}`), {
      permanent: false,
      status,
      ...(wait === undefined ? {} : { retryAfterMs: wait }),
    });
  };
  return destinationHandler(label, send, () => Promise.resolve());
}

function networkError(
  label: string,
  url: URL,
  error: unknown,
  redact: (text: string) => string,
): DestinationError {
  // the system code (ECONNREFUSED, ENOTFOUND, CERT_HAS_EXPIRED) is deep in fetch's causes
  const code = systemCode(error);
  if (code === undefined && badPort(error)) {
    // fetch never connects to the Fetch standard's blocked ports (1, 22, 25, ...)
    return new DestinationError(
      'post',
      'post_bad_port',
      `POST ${label} failed: fetch refuses port ${url.port} (a "bad port" of the Fetch standard); use another port`,
      { permanent: true },
    );
  }
  // fetch's own error may quote what it was given (a header value): the cause kept is a redacted copy
  const cause = Object.assign(new Error(redact(errorMessage(error))), code ? { code } : {});
  return new DestinationError(
    'post',
    code ?? 'network_error',
    redact(`POST ${label} failed: ${code ?? errorMessage(error)}`),
    {
      cause,
      permanent: isPermanentNetworkCode(code),
      ...(code === undefined ? {} : { systemCode: code }),
    },
  );
}

/**
 * {@link PostOptions} from a configuration: `address` an http(s) URL, `options.headers` an object
 * of strings, `options.timeoutMs` a positive integer, `options.credentialsIn` `url` or `header`.
 * @throws ArgumentError naming the address or option at fault (never a header's value)
 */
export function postOptions(
  address: string,
  options: Record<string, unknown>,
  label: OptionName,
  redact?: (text: string) => string,
): PostOptions {
  let url: URL | undefined;
  try {
    url = new URL(address);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new ArgumentError(`Expected \`${label('url')}\` to be an http(s) URL`, 'url');
  }
  const headers = options['headers'] ?? {};
  if (
    typeof headers !== 'object' ||
    headers === null ||
    Array.isArray(headers) ||
    Object.values(headers).some((value) => typeof value !== 'string')
  ) {
    throw new ArgumentError(
      `Expected \`${label('headers')}\` to be an object of header names to strings`,
      'headers',
    );
  }
  for (const [name, value] of Object.entries(headers as Record<string, string>)) {
    // neither is ever quoted: a header (or a value pasted as its name) carries credentials
    if (!HEADER_NAME.test(name)) {
      throw invalidAs(
        'headers',
        "an object of header names to strings (a name is letters, digits and !#$%&'*+.^_`|~-)",
        'a name with other characters',
        label('headers'),
      );
    }
    if (!HEADER_VALUE.test(value)) {
      throw invalidAs(
        'headers',
        'header values of visible characters, spaces and tabs (no line break, NUL or other control character)',
        `another character in ${JSON.stringify(name)}`,
        label('headers'),
      );
    }
  }
  const credentialsIn = options['credentialsIn'];
  if (credentialsIn !== undefined && credentialsIn !== 'url' && credentialsIn !== 'header') {
    throw new ArgumentError(
      `Expected \`${label('credentialsIn')}\` to be url or header, got ${JSON.stringify(credentialsIn)}`,
      'credentialsIn',
    );
  }
  const timeoutMs = options['timeoutMs'];
  return {
    url,
    headers: headers as Record<string, string>,
    ...(timeoutMs === undefined
      ? {}
      : {
          timeoutMs: integer(
            'timeoutMs',
            timeoutMs,
            label,
            30_000,
            LIMITS.timeoutMs.min,
            LIMITS.timeoutMs.max,
          ),
        }),
    ...(credentialsIn === undefined ? {} : { credentialsIn }),
    ...(redact === undefined ? {} : { redact }),
  };
}
