export { LogsApiClient } from './client';
export type { LogsApiClientOptions } from './options/client';
export type { LogsAnswer, LogsQuery, RequestOptions } from './auth0/types';
export { LogsApiStream } from './stream';
export { rateLimitWait } from './auth0/rate-limits';
export type { LogsApiStreamEvents, LogsApiStreamOptions, StreamPage, StreamStatus } from './stream';
export { LogsProcessor } from './processor';
export type { RunOptions, RunReport } from './processor';
export type { LogsProcessorOptions } from './options/processor';
export type { BatchFailure, LogsHandler, RunProgress } from './types';
export type { DeadLetterEntry, RejectedLog, WarningSource } from './types';
export type { Gathered, GatheringHandler } from './types';
// The shipping promise every entry point of this package uses (`'stop'` unless asked to skip).
export { SHIPPER_DEFAULTS, shipperFailurePolicy } from './pipeline/promise';
export type { ShipperFailurePolicy } from './pipeline/promise';
export { MemoryTokenCache } from './auth0/token-provider';
export type { OwnedAccessToken, TokenOwner } from './auth0/token-provider';
export { FileStorage } from './storage/file';
export type { FileStorageOptions } from './storage/file';
export { DEFAULTS } from './defaults';
export type { Defaults } from './defaults';
export { logTypes, getLogType, typesAtLevel } from './auth0/log-types';
export type { LogLevel, LogSeverity, LogTypeInfo } from './auth0/log-types';
export { compareLogIds, isLogId, logIdOf } from './auth0/log-id';
// Shaping: Log Streams categories, the Log Streams envelope, personal data
export { LOG_CATEGORIES, logCategoryOf } from './auth0/log-categories';
export { isStreamRecord, logOf } from './auth0/log-stream';
export { PII_FIELDS, PII_KEYS, PII_MASK, PII_PATTERNS } from './pipeline/shape/pii';
export type { PiiField, PiiMethod } from './pipeline/shape/pii';
export type { LogFormat } from './pipeline/shape/format';
export type { ShapeOptions } from './options/shape';
export {
  AbortError,
  ArgumentError,
  Auth0LogToolsError,
  ERROR_BRAND,
  HandlerError,
  InvalidResponseError,
  ManagementApiError,
  StorageError,
  TokenRequestError,
  isAbortError,
  isArgumentError,
  isAuth0LogToolsError,
  isHandlerError,
  isInvalidResponseError,
  isManagementApiError,
  isPermanentError,
  isStorageError,
  isTokenRequestError,
} from './errors';
export type { ErrorOptions, ManagementApiErrorOptions, ManagementApiResponse } from './errors';
export type { HttpOptions } from './auth0/http';
export type { Timing } from './pipeline/retry';
export * as reporters from './reporters';
export * as destinations from './destinations';
export type {
  AccessToken,
  ErrorSource,
  LogEvent,
  LogLocationInfo,
  LogStreamRecord,
  LogsPage,
  Logger,
  RateLimits,
  RunResult,
  RunStatus,
  RunWarning,
  ShippedLog,
  SkippedRange,
  StopReason,
  StopRequest,
  StorageContext,
  StorageLock,
  StoredState,
  StoredTenant,
  TokenCache,
  WaitEvent,
  WaitReason,
  WarningCode,
} from './types';
// Backfill: the run warning's start, and the dates in log ids.
export { BACKFILL_FALLBACK_WARNING } from './processor';
export { logIdAt, logIdTime } from './auth0/log-id';
