// Token errors read as the original's ("Invalid credentials ..."); a 403 for the logs names the
// missing scope (Auth0's `insufficient_scope`, "expected any of: read:logs").
const REFUSED_CREDENTIALS = /\/oauth\/token failed with 40[013]\b|^Invalid credentials\b/;
const MISSING_SCOPE = /\/api\/v2\/logs failed with 403\b|insufficient[ _]scope|read:logs/i;

/**
 * What the user can do about a failed run, from its `status.error` (a message: errors are never
 * stored as objects) and whether it was permanent. `undefined` when the message already says it.
 */
export function failureAdvice(error: string, permanent: boolean): string | undefined {
  if (REFUSED_CREDENTIALS.test(error))
    return 'check the credentials (--client-id, --client-secret or AUTH0_CLIENT_ID, AUTH0_CLIENT_SECRET)';
  if (MISSING_SCOPE.test(error))
    return 'grant the application the read:logs scope of the Management API';
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|certificate/i.test(error))
    return "check the tenant's certificate, or trust its CA with --ca-file";
  if (/ENOTFOUND|EAI_AGAIN/.test(error)) return 'check --domain and the DNS';
  if (/\bstate\b.*\b(belongs to tenant|in use by another run|is corrupt)/i.test(error))
    return undefined;
  // a destination's own 4xx carries its advice in the message
  if (permanent) return undefined;
  return 'run again to resume from the checkpoint';
}

/**
 * Whether a failure is one of configuration, which waiting cannot fix (so `--follow` stops on it):
 * refused credentials or scope, TLS verification. Used besides `status.permanent` because the
 * client may not mark these (a 401 can also mean an expired token).
 */
export function isConfigurationFailure(error: string): boolean {
  return (
    REFUSED_CREDENTIALS.test(error) ||
    MISSING_SCOPE.test(error) ||
    /CERT_|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS_CERT|certificate/i.test(error)
  );
}
