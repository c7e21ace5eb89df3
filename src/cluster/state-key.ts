/**
 * The key of a tenant's state as the cluster worker keeps it: `<queue>:tenant:<id>` in Redis
 * (the prefix of its keys), `<queue>:<id>` in PostgreSQL (its row). `status --config` reads the same.
 */
export function tenantStateKey(queue: string, id: string, postgres: boolean): string {
  return postgres ? `${queue}:${id}` : `${queue}:tenant:${id}`;
}
