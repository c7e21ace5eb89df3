import { createHmac, type KeyObject } from 'node:crypto';
import type { LogEvent } from '../../types';

/**
 * The personal data a run can mask or hash: Auth0's Log Streams `pii_config.log_fields`
 * vocabulary (https://auth0.github.io/node-auth0/variables/management.Management.LogStreamPiiLogFieldsEnum.html),
 * plus `ip` and `user_agent`.
 */
export const PII_FIELDS = [
  'first_name',
  'last_name',
  'username',
  'email',
  'phone',
  'address',
  'ip',
  'user_agent',
] as const;

/** One of {@link PII_FIELDS}. */
export type PiiField = (typeof PII_FIELDS)[number];

/** How a value is hidden: replaced by {@link PII_MASK}, or by its keyed hash (Auth0's two methods). */
export type PiiMethod = 'mask' | 'hash';

/** What `mask` writes in place of a value. */
export const PII_MASK = '******';

/**
 * The keys that hold each field's values, wherever they are in a log (top level, `details`,
 * `details.request.body`, ...). A key's whole value is replaced: a string, a number, or every
 * string and number inside an object or array (an `address` object). Source of the names: the
 * log fields of `GET /api/v2/logs` (`user_name`, `ip`, `user_agent`) and the user profile
 * attributes Auth0 logs carry in `details` (https://auth0.com/docs/manage-users/user-accounts/user-profiles/user-profile-structure).
 */
export const PII_KEYS: Readonly<Record<PiiField, readonly string[]>> = Object.freeze({
  first_name: ['first_name', 'given_name', 'firstName', 'givenName'],
  last_name: ['last_name', 'family_name', 'lastName', 'familyName'],
  username: ['user_name', 'username', 'userName', 'nickname'],
  email: ['email', 'emailAddress', 'email_address'],
  phone: ['phone', 'phone_number', 'phoneNumber'],
  address: ['address'],
  ip: ['ip', 'client_ip', 'clientIP', 'ip_address'],
  user_agent: ['user_agent', 'userAgent'],
});

/**
 * Values found by their form inside any other string of a log (`description`, a `user_name` that
 * is an email, an error message): every email address for `email`, every E.164 phone number
 * (`+` and 7 to 15 digits) for `phone`.
 */
export const PII_PATTERNS: Readonly<Partial<Record<PiiField, RegExp>>> = Object.freeze({
  email: /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/g,
  phone: /\+[1-9]\d{6,14}\b/g,
});

/** The fields to hide, how, and (for `hash`) the HMAC key. */
export interface PiiConfig {
  fields: readonly PiiField[];
  method: PiiMethod;
  /** The HMAC-SHA-256 key of `hash`: a `KeyObject`, which `util.inspect` never shows. */
  key: KeyObject | undefined;
}

/** Hides one value: the mask, or the hex HMAC-SHA-256 of its text under the key. */
export function piiValue(config: PiiConfig): (value: string) => string {
  const key = config.key;
  if (config.method === 'hash' && key)
    return (value) => createHmac('sha256', key).update(value).digest('hex');
  return () => PII_MASK;
}

/**
 * A function that returns a copy of a log with the fields of `config` hidden (the log itself is
 * not changed). Keys named in {@link PII_KEYS} are replaced whole, at any depth; in every other
 * string the {@link PII_PATTERNS} of the chosen fields are replaced. `log_id`, `_id`, `date` and
 * `type` are never touched.
 */
export function piiRedactor(config: PiiConfig): (log: LogEvent) => LogEvent {
  const hide = piiValue(config);
  const keys = new Set(config.fields.flatMap((field) => PII_KEYS[field]));
  const patterns = config.fields.flatMap((field) => PII_PATTERNS[field] ?? []);
  const text = (value: string): string =>
    patterns.reduce((out, pattern) => out.replace(pattern, (found) => hide(found)), value);
  const whole = (value: unknown): unknown => {
    if (typeof value === 'string' || typeof value === 'number') return hide(String(value));
    if (Array.isArray(value)) return value.map(whole);
    if (value !== null && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, whole(v)]));
    return value;
  };
  const walk = (value: unknown): unknown => {
    if (typeof value === 'string') return patterns.length ? text(value) : value;
    if (Array.isArray(value)) return value.map(walk);
    if (value === null || typeof value !== 'object') return value;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = keys.has(k) ? whole(v) : walk(v);
    return out;
  };
  const kept = new Set(['log_id', '_id', 'date', 'type']);
  return (log) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(log))
      out[k] = kept.has(k) ? v : keys.has(k) ? whole(v) : walk(v);
    return out as unknown as LogEvent;
  };
}
