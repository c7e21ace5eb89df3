export { startClusterWorker } from './worker';
export type { ClusterWorker } from './worker';
export type { ClusterTenant, ClusterWorkerOptions } from './worker-options';
export type { ClusterReceiveOptions } from './receive-options';
export { clusterTenant } from './tenants';
export { loadServeConfig, parseServeConfig, SERVE_DEFAULTS } from './config';
export type { DestinationEntry, ServeConfig, TenantConfig } from './config';
export { createClusterMetrics, createRunMetrics } from './metrics';
export type { ClusterMetrics, MetricsRegistry, MetricsRun, RunMetrics } from './metrics';
export { serveMetrics } from './metrics-server';
export type { MetricsServer } from './metrics-server';
export type { RunRecord } from './run-record';
export { RedisStorage } from '../storage/redis';
export type { RedisClient, RedisStorageOptions } from '../storage/redis';
export { PostgresStorage } from '../storage/postgres';
export type {
  PostgresClient,
  PostgresPoolConfig,
  PostgresStorageOptions,
} from '../storage/postgres';
export { LEASE_DEFAULTS } from '../storage/lease';
export type { StorageLease } from '../storage/lease';
