export { LogsApiClient } from './client';
export type { LogsAnswer, LogsApiClientOptions, LogsQuery, RequestOptions } from './client';
export { LogsApiStream } from './stream';
export { rateLimitWait } from './rate-limits';
export type { LogsApiStreamEvents, LogsApiStreamOptions, StreamPage, StreamStatus } from './stream';
export { LogsProcessor } from './processor';
export type { RunOptions, RunReport } from './processor';
export type { BatchFailure, LogsProcessorOptions, RunProgress } from './processor-options';
export type { LogsHandler } from './delivery';
export { MemoryTokenCache } from './token-provider';
export type { OwnedAccessToken, TokenOwner } from './token-provider';
export { FileStorage } from './file-storage';
export type { FileStorageOptions } from './file-storage';
export { DEFAULTS } from './defaults';
export type { Defaults } from './defaults';
export { logTypes, getLogType, typesAtLevel } from './log-types';
export type { LogLevel, LogSeverity, LogTypeInfo } from './log-types';
export { compareLogIds, isLogId, logIdOf } from './log-id';
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
export type { HttpOptions } from './http';
export type { Timing } from './retry';
export * as reporters from './reporters';
export * as destinations from './destinations';
export type {
  AccessToken,
  LogEvent,
  LogLocationInfo,
  LogsPage,
  Logger,
  RateLimits,
  RunResult,
  RunStatus,
  SkippedRange,
  StopReason,
  StorageContext,
  StorageLock,
  StoredState,
  StoredTenant,
  TokenCache,
} from './types';
// Backfill (issue 13): the run warning's start, and the dates in log ids.
export { BACKFILL_FALLBACK_WARNING } from './processor';
export { logIdAt, logIdTime } from './log-id';
