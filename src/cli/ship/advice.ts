import { CUSTOM_DOMAIN_CODE, PROXY_REFUSED_CODE } from '../../auth0/http';
import { isStorageError } from '../../errors';
import { errorFacts } from '../../pipeline/run-status';
import type { ErrorSource, RunStatus } from '../../types';
import { DNS_CODES, REFUSED_CODES, isCertificateCode, systemCode } from '../../util/system-codes';

/** Statuses of `POST /oauth/token` that refuse the credentials (a bad secret, a disabled grant). */
const REFUSED_TOKEN_STATUSES: ReadonlySet<number> = new Set([400, 401, 403]);
/**
 * A state the storage refuses to use (another tenant's, locked by another run, corrupt): its
 * message says what to do.
 */
const STATE_REFUSALS: ReadonlySet<string> = new Set([
  'state_other_tenant',
  'state_locked',
  'storage_corrupt',
]);

/** What failed, as `ship` knows it: the run's message, its typed facts and which side it came from. */
export interface FailureFacts {
  /** `status.error` (a message: errors are never stored as objects). */
  message: string;
  /** `status.permanent`, or the destination's own error was permanent. */
  permanent: boolean;
  /** `status.errorCode`, or the code of the error the command caught. */
  code?: string | undefined;
  /** `status.errorSource`: which side of the library failed. */
  source?: ErrorSource | undefined;
  /** `status.errorStatus`: the HTTP status of the failed answer. */
  status?: number | undefined;
  /**
   * The destination's own error when the run failed delivering a batch (the handler's side);
   * absent when the tenant, the storage or the options failed.
   */
  destinationError?: unknown;
  /** The flag that names the destination, for the advice: `--post`, `--out` or `--to`. */
  destinationFlag?: string;
}

/** The typed facts of a failed run's status, for {@link FailureFacts}. */
export function statusFacts(
  status: Pick<RunStatus, 'errorCode' | 'errorSource' | 'errorStatus'>,
): Pick<FailureFacts, 'code' | 'source' | 'status'> {
  return { code: status.errorCode, source: status.errorSource, status: status.errorStatus };
}

/**
 * The typed facts of an error the command caught (the storage, the options, a lost lock): its
 * code, or a state refusal found in its `cause` chain (a corrupt file read through the state store).
 */
export function caughtFacts(error: unknown): Pick<FailureFacts, 'code' | 'source' | 'status'> {
  for (let e = error, depth = 0; depth < 8 && e; depth++) {
    if (isStorageError(e) && STATE_REFUSALS.has(e.code)) return { code: e.code, source: 'storage' };
    e = (e as { cause?: unknown }).cause;
  }
  return statusFacts(errorFacts(error));
}

/**
 * What the user can do about a failed run, from which side failed: the destination's error (a
 * system code, a permanent refusal whose message carries its own advice) or the tenant's (refused
 * credentials, the read:logs scope, DNS, TLS). `undefined` when the message already says it.
 */
export function failureAdvice(facts: FailureFacts): string | undefined {
  if (facts.destinationError !== undefined) return destinationAdvice(facts);
  if (facts.source === 'storage' && facts.code && STATE_REFUSALS.has(facts.code)) return undefined;
  // the tenant's side
  const { code } = facts;
  if (code === CUSTOM_DOMAIN_CODE)
    return "use the tenant's own domain (--domain or AUTH0_DOMAIN), e.g. acme.eu.auth0.com, not a custom domain: the Management API answers only there";
  if (code === PROXY_REFUSED_CODE)
    return facts.status === 407
      ? "put the proxy's user name and password in the HTTPS_PROXY URL, or add the tenant's domain to NO_PROXY to connect directly"
      : "allow the tenant's domain in the proxy (HTTPS_PROXY), or add it to NO_PROXY to connect directly";
  if (refusedCredentials(facts))
    return 'check the credentials (--client-id, --client-secret or AUTH0_CLIENT_ID, AUTH0_CLIENT_SECRET)';
  if (missingScope(facts)) return 'grant the application the read:logs scope of the Management API';
  if (isCertificateCode(code))
    return "check the tenant's certificate, or trust its CA with --ca-file";
  if (code && DNS_CODES.has(code)) return 'check --domain and the DNS';
  if (code && REFUSED_CODES.has(code))
    return 'check --domain (nothing accepts connections there), then run again to resume from the checkpoint';
  if (facts.permanent) return undefined;
  return 'run again to resume from the checkpoint';
}

function refusedCredentials(facts: Pick<FailureFacts, 'source' | 'status'>): boolean {
  return (
    facts.source === 'token' &&
    facts.status !== undefined &&
    REFUSED_TOKEN_STATUSES.has(facts.status)
  );
}

/** Auth0's `insufficient_scope` ("expected any of: read:logs"), or any 403 for the logs. */
function missingScope(facts: Pick<FailureFacts, 'source' | 'status' | 'code'>): boolean {
  return facts.source === 'logs' && (facts.code === 'insufficient_scope' || facts.status === 403);
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

/**
 * Whether a failed run is one of configuration, which waiting cannot fix (so `--follow` stops on
 * it): refused credentials or scope, TLS verification. Used besides `status.permanent` because the
 * client may not mark these (a 401 can also mean an expired token).
 */
export function isConfigurationFailure(
  status: Pick<RunStatus, 'errorCode' | 'errorSource' | 'errorStatus'>,
): boolean {
  const facts = statusFacts(status);
  return (
    refusedCredentials(facts) ||
    missingScope(facts) ||
    isCertificateCode(facts.code) ||
    facts.code === CUSTOM_DOMAIN_CODE
  );
}
