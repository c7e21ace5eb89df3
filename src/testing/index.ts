export { startFakeTenant } from './fake-tenant';
export { FAKE_TENANT_CA } from './tls-fixture';
export type {
  FakeTenant,
  FakeTenantOptions,
  FakeTenantRuntimeOptions,
  FakeTenantStats,
  LogsQuirks,
  RateLimitOptions,
  ScriptedResponse,
} from './types';
