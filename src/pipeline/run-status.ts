import {
  isArgumentError,
  isHandlerError,
  isManagementApiError,
  isStorageError,
  isTokenRequestError,
} from '../errors';
import type {
  ErrorSource,
  RunStatus,
  RunWarning,
  StopReason,
  StopRequest,
  WarningCode,
} from '../types';
import { askedWaitMs } from './retry';

const STOP_REASONS: ReadonlySet<unknown> = new Set<Exclude<StopReason, 'failed'>>([
  'caught_up',
  'max_run_time',
  'rate_limit',
  'aborted',
]);

/** The {@link StopRequest} an abort signal's `reason` carries; `undefined` for any other reason. */
export function stopRequestOf(reason: unknown): StopRequest | undefined {
  if (reason === null || typeof reason !== 'object') return undefined;
  const { stopReason, warning } = reason as { stopReason?: unknown; warning?: unknown };
  if (!STOP_REASONS.has(stopReason)) return undefined;
  return {
    stopReason: stopReason as StopRequest['stopReason'],
    ...(typeof warning === 'string' && warning !== '' ? { warning } : {}),
  };
}

/** Adds a warning to the list and to the joined `warning` the original's readers read. */
export function addWarning(
  status: RunStatus,
  code: WarningCode,
  message: string,
  facts: Pick<RunWarning, 'span'> = {},
): void {
  const warnings = [...(status.warnings ?? []), { code, message, ...facts }];
  status.warnings = warnings;
  status.warning = joinWarnings(warnings);
}

/** The warnings' messages as one string (`RunStatus.warning`). */
export function joinWarnings(warnings: readonly RunWarning[]): string {
  return warnings.map((w) => w.message).join(' ');
}

/** The typed facts of a run's failure, for `RunStatus.errorCode`, `errorSource`, `errorStatus`. */
export function errorFacts(
  error: unknown,
): Pick<RunStatus, 'errorCode' | 'errorSource' | 'errorStatus' | 'retryAfterMs'> {
  const code = (error as { code?: unknown } | null)?.code;
  const status = isManagementApiError(error) ? error.status : undefined;
  const retryAfterMs = askedWaitMs(error);
  return {
    ...(typeof code === 'string' && code !== '' ? { errorCode: code } : {}),
    errorSource: errorSource(error),
    ...(status === undefined ? {} : { errorStatus: status }),
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  };
}

function errorSource(error: unknown): ErrorSource {
  if (isTokenRequestError(error)) return 'token';
  if (isManagementApiError(error)) return 'logs';
  if (isHandlerError(error)) return 'handler';
  if (isArgumentError(error)) return 'options';
  if (isStorageError(error)) return 'storage';
  return 'other';
}
