/**
 * The system codes (Node's `error.code`) this package decides on, in one place: which failures the
 * same request or write will meet again (so nothing retries them), and which ones advice groups
 * together. A leaf: it imports nothing.
 */

/**
 * Node's codes of a server certificate that failed verification (node:tls, OpenSSL's `X509_V_ERR_*`
 * names, and Node's own host-name checks).
 */
export const CERTIFICATE_CODES: ReadonlySet<string> = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_CHAIN_TOO_LONG',
  'CRL_SIGNATURE_FAILURE',
  'CRL_NOT_YET_VALID',
  'CRL_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_CRL',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECRYPT_CRL_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  'ERROR_IN_CERT_NOT_AFTER_FIELD',
  'INVALID_CA',
  'INVALID_PURPOSE',
  'PATH_LENGTH_EXCEEDED',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_TLS_CERT_ALTNAME_FORMAT',
]);

/**
 * Codes of a network failure that the same request will meet again: the host does not exist, the
 * URL cannot be sent, the port speaks something other than TLS (`EPROTO`, "wrong version
 * number"), or the server's certificate fails verification ({@link CERTIFICATE_CODES}).
 */
export const PERMANENT_NETWORK_CODES: ReadonlySet<string> = new Set([
  'ENOTFOUND',
  'EPROTO',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'ERR_INVALID_URL',
  ...CERTIFICATE_CODES,
]);

/**
 * Codes of a local write error that trying again cannot fix: a folder, no permission, a read-only
 * file system, a device that takes no fsync, a pipe without a reader. `ENOSPC` and `EIO` are not
 * among them: space can be freed, a device can come back.
 */
export const PERMANENT_WRITE_CODES: ReadonlySet<string> = new Set([
  'EACCES',
  'EPERM',
  'EROFS',
  'EISDIR',
  'ENOTDIR',
  'ENOENT',
  'EINVAL',
  'EBADF',
  'ENXIO',
  'ENODEV',
  'EPIPE',
  'ELOOP',
  'ENAMETOOLONG',
]);

/** Codes of a host name that did not resolve (unknown, or the resolver did not answer). */
export const DNS_CODES: ReadonlySet<string> = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME']);

/** Codes of a host that takes no connection on that port, or cannot be reached at all. */
export const REFUSED_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/** Whether a network failure with this code will happen again ({@link PERMANENT_NETWORK_CODES}). */
export function isPermanentNetworkCode(code: string | undefined): boolean {
  return code !== undefined && PERMANENT_NETWORK_CODES.has(code);
}

/** Whether a write error with this code will happen again ({@link PERMANENT_WRITE_CODES}). */
export function isPermanentWriteCode(code: string | undefined): boolean {
  return code !== undefined && PERMANENT_WRITE_CODES.has(code);
}

/** Whether the code is one of a certificate that failed verification ({@link CERTIFICATE_CODES}). */
export function isCertificateCode(code: string | undefined): boolean {
  return code !== undefined && CERTIFICATE_CODES.has(code);
}

/**
 * The system code of a network or file failure (`ECONNREFUSED`, `ENOTFOUND`, `CERT_HAS_EXPIRED`),
 * searched in `error`, its `cause` chain and an `AggregateError`'s `errors` (fetch's happy
 * eyeballs); `undefined` when none.
 */
export function systemCode(error: unknown, depth = 0): string | undefined {
  if (error === null || typeof error !== 'object' || depth > 8) return undefined;
  const { code, cause, errors } = error as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof code === 'string' && /^(E[A-Z_]+|CERT_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO)/.test(code))
    return code;
  for (const inner of Array.isArray(errors) ? errors : []) {
    const found = systemCode(inner, depth + 1);
    if (found) return found;
  }
  return systemCode(cause, depth + 1);
}
