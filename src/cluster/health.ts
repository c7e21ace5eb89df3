/** Why a worker is not healthy: one per failing dependency. */
export interface HealthReason {
  /**
   * `starting` (`serve` binds `/healthz` before its worker has started); `stopping`;
   * `redis_unreachable` (the last check of Redis failed); `storage_unreachable` (the
   * last check of the checkpoint storage failed: `postgres`; `receive`: its record of shipped ids
   * could not be written); `tenants_failing` (every tenant's last
   * run failed); `destination_failing` (`receive`: the last delivery to the destination failed);
   * `reconcile_failing` (`receive`: the last reconciliation failed).
   */
  code:
    | 'starting'
    | 'stopping'
    | 'redis_unreachable'
    | 'storage_unreachable'
    | 'tenants_failing'
    | 'destination_failing'
    | 'reconcile_failing';
  /** The reason in words, without secrets. */
  message: string;
}

/** What `/healthz` answers: `ok` (200) or not (503) with every reason. */
export interface WorkerHealth {
  ok: boolean;
  reasons: HealthReason[];
}

/**
 * A warning of a cluster worker, given with its sentence to `onWarning`:
 * `redis_unreachable` (at start, while retried), `unknown_tenants` (the queue schedules tenants this
 * worker's config does not name: left running), `schedulers_restored` (missing job schedulers
 * were created again, Redis having lost them).
 */
export type ClusterWarning =
  | { code: 'redis_unreachable' }
  | { code: 'unknown_tenants'; tenants: string[] }
  | { code: 'schedulers_restored'; tenants: string[] }
  | { code: 'shipped_ids_unrecorded'; tenant: string };
