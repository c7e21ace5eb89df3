import { inspect } from 'node:util';

/** What a redacted secret is replaced with. */
export const REDACTED = '[REDACTED]';

/**
 * Replaces every registered secret in a text with `[REDACTED]`, and always masks the two shapes a
 * secret takes without being registered: a `Bearer` token, and the `user:password@` part of a URL.
 * Every redaction site of the library and the CLI uses this one class.
 */
export class Redactor {
  /** A native private field: `util.inspect` and `JSON.stringify` never see the secrets. */
  readonly #secrets = new Set<string>();
  /** The secrets as given (the forms in `#secrets` are derived from them): what inspect counts. */
  readonly #given = new Set<string>();
  /** `#secrets`, longest first; dropped whenever a secret is added. */
  #ordered: string[] | undefined;

  /**
   * Remembers a secret, and the forms it takes in a request that a server may echo back: URL and
   * form encoded, JSON escaped, base64. Values shorter than 6 characters are too common to mask
   * safely.
   */
  add(secret: string | null | undefined): void {
    if (!secret || secret.length < 6) return;
    this.#given.add(secret);
    for (const form of encodings(secret)) this.#remember(form);
  }

  /** Remembers `user:password` as an HTTP Basic credential sends it (base64), and the password. */
  addBasic(user: string, password: string | null | undefined): void {
    if (!password || password.length < 6) return;
    this.add(password);
    const basic = Buffer.from(`${user}:${password}`, 'utf8').toString('base64');
    this.#remember(basic);
    this.#remember(basic.replace(/=+$/, ''));
  }

  #remember(form: string): void {
    if (this.#secrets.has(form)) return;
    this.#secrets.add(form);
    this.#ordered = undefined;
  }

  /** `util.inspect` / `console.log`: how many secrets, never which. */
  [inspect.custom](): string {
    return `Redactor { secrets: ${this.#given.size} }`;
  }

  toJSON(): { secrets: number } {
    return { secrets: this.#given.size };
  }

  redact(text: string): string {
    let out = text;
    // longest first: a secret that contains another must be masked whole (sorted once per change
    // of the set, not per call: every debug line of every page passes through here)
    this.#ordered ??= [...this.#secrets].sort((a, b) => b.length - a.length);
    for (const secret of this.#ordered) out = out.split(secret).join(REDACTED);
    return redactUrlCredentials(out.replace(/(Bearer\s+)[\w.~+/=-]+/gi, `$1${REDACTED}`));
  }
}

/**
 * A secret as it is, and as a server echoing a request may write it: URL encoded (either case of
 * hex digits, once or twice), form encoded (`URLSearchParams`), JSON escaped (also with `&<>'` as
 * `\u0026`..., Go's default), base64 (standard, unpadded, URL-safe) and hex.
 */
function encodings(secret: string): string[] {
  const uri = encodeURIComponent(secret);
  const form = new URLSearchParams({ s: secret }).toString().slice(2);
  const json = JSON.stringify(secret).slice(1, -1);
  const base64 = Buffer.from(secret, 'utf8').toString('base64');
  const hex = Buffer.from(secret, 'utf8').toString('hex');
  const lower = (text: string) => text.replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase());
  const forms = [
    secret,
    uri,
    lower(uri),
    uri.replace(/%20/g, '+'),
    lower(uri.replace(/%20/g, '+')),
    form,
    lower(form),
    encodeURIComponent(uri),
    json,
    json.replace(/[&<>']/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
    base64,
    base64.replace(/=+$/, ''),
    base64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''),
    hex,
    hex.toUpperCase(),
  ];
  return [...new Set(forms)];
}

/** `https://user:pass@host/x` → `https://[REDACTED]@host/x`, anywhere in a text. */
export function redactUrlCredentials(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^/?#\s@'"]+@/gi, `$1${REDACTED}@`);
}

/** A header value, its credentials after the scheme, and the password of a Basic one. */
export function addHeaderSecrets(redactor: Redactor, value: string): void {
  redactor.add(value);
  const [scheme, ...rest] = value.split(' ');
  const credentials = rest.join(' ').trim();
  redactor.add(credentials);
  if (scheme?.toLowerCase() === 'basic' && credentials) {
    const decoded = Buffer.from(credentials, 'base64').toString('utf8');
    redactor.add(decoded);
    redactor.add(decoded.slice(decoded.indexOf(':') + 1));
  }
}
