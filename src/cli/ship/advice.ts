import { DNS_CODES, REFUSED_CODES, isCertificateCode, systemCode } from '../../util/system-codes';

export { systemCode } from '../../util/system-codes';

// Token errors read as the original's ("Invalid credentials ..."); a 403 for the logs names the
// missing scope (Auth0's `insufficient_scope`, "expected any of: read:logs").
const REFUSED_CREDENTIALS = /\/oauth\/token failed with 40[013]\b|^Invalid credentials\b/;
const MISSING_SCOPE = /\/api\/v2\/logs failed with 403\b|insufficient[ _]scope|read:logs/i;
const TLS_MESSAGE = /CERT_|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS_CERT|certificate/i;

/** What failed, as `ship` knows it: the run's message and which side it came from. */
export interface FailureFacts {
  /** `status.error` (a message: errors are never stored as objects). */
  message: string;
  /** `status.permanent`, or the destination's own error was permanent. */
  permanent: boolean;
  /**
   * The destination's own error when the run failed delivering a batch (the handler's side);
   * absent when the tenant, the storage or the options failed.
   */
  destinationError?: unknown;
  /** The flag that names the destination, for the advice: `--post`, `--out` or `--to`. */
  destinationFlag?: string;
}

/**
 * What the user can do about a failed run, from which side failed: the destination's error (a
 * system code, a permanent refusal whose message carries its own advice) or the tenant's (refused
 * credentials, the read:logs scope, DNS, TLS). `undefined` when the message already says it.
 */
export function failureAdvice(facts: FailureFacts): string | undefined {
  const { message, permanent } = facts;
  if (facts.destinationError !== undefined) return destinationAdvice(facts);
  if (/\bstate\b.*\b(belongs to tenant|in use by another run|is corrupt)/i.test(message))
    return undefined;
  // the tenant's side: the processor keeps its error as text (`status.error`)
  const code = codeInMessage(message);
  if (REFUSED_CREDENTIALS.test(message))
    return 'check the credentials (--client-id, --client-secret or AUTH0_CLIENT_ID, AUTH0_CLIENT_SECRET)';
  if (MISSING_SCOPE.test(message))
    return 'grant the application the read:logs scope of the Management API';
  if (isCertificateCode(code) || TLS_MESSAGE.test(message))
    return "check the tenant's certificate, or trust its CA with --ca-file";
  if (code && DNS_CODES.has(code)) return 'check --domain and the DNS';
  if (code && REFUSED_CODES.has(code))
    return 'check --domain (nothing accepts connections there), then run again to resume from the checkpoint';
  if (permanent) return undefined;
  return 'run again to resume from the checkpoint';
}

function destinationAdvice(facts: FailureFacts): string | undefined {
  const flag = facts.destinationFlag ?? 'the destination';
  const code = systemCode(facts.destinationError);
  if (isCertificateCode(code))
    return flag === '--to'
      ? "check the destination's certificate, or trust its CA with --ca-file"
      : "check the destination's certificate, or trust its CA with NODE_EXTRA_CA_CERTS";
  if (code && DNS_CODES.has(code)) return `check the host name in ${flag} and the DNS`;
  if (code && REFUSED_CODES.has(code))
    return `check the host and port of ${flag} (nothing accepts connections there), then run again to resume from the checkpoint`;
  // a permanent refusal (a 4xx, a write that cannot succeed) carries its advice in the message
  if (facts.permanent) return undefined;
  return 'run again to resume from the checkpoint';
}

/** A system code quoted in a message (the processor stores errors as text). */
function codeInMessage(message: string): string | undefined {
  return /\b(E[A-Z]{3,}[A-Z_]*|CERT_[A-Z_]+|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_[A-Z_]+)\b/.exec(
    message,
  )?.[1];
}

/**
 * Whether a failure is one of configuration, which waiting cannot fix (so `--follow` stops on it):
 * refused credentials or scope, TLS verification. Used besides `status.permanent` because the
 * client may not mark these (a 401 can also mean an expired token).
 */
export function isConfigurationFailure(error: string): boolean {
  return REFUSED_CREDENTIALS.test(error) || MISSING_SCOPE.test(error) || TLS_MESSAGE.test(error);
}
