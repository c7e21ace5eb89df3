export { startFakeTenant } from './fake-tenant';
export { FAKE_TENANT_CA } from './tls-fixture';
export { FAKE_TENANT_SHAPES } from './shapes';
export type { FakeTenantShape, FakeTenantShapeName } from './shapes';
export type {
  FakeTenant,
  FakeTenantBurst,
  FakeTenantOptions,
  FakeTenantRuntimeOptions,
  FakeTenantStats,
  LogsQuirks,
  RateLimitOptions,
  ScriptedResponse,
} from './types';
export { playLogStream } from './log-stream';
export type {
  LogStreamAttempt,
  LogStreamElement,
  LogStreamFormat,
  LogStreamOptions,
  LogStreamPause,
  LogStreamReport,
  LogStreamSource,
} from './log-stream-types';
