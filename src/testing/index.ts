export { startFakeTenant } from './fake-tenant';
export { FAKE_TENANT_CA } from './tls-fixture';
export type { LogsQuirks } from './endpoints';
export type {
  FakeTenant,
  FakeTenantOptions,
  FakeTenantRuntimeOptions,
  FakeTenantStats,
  RateLimitOptions,
  ScriptedResponse,
} from './types';
