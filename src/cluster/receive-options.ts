/**
 * The Log Stream listener of every worker (`receive` in a `serve` configuration): one listener,
 * a path per tenant with a `receive`. A delivery is answered 200 once the tenant's destination
 * acknowledged it (503 otherwise), its ids recorded beside the tenant's checkpoint (Redis or
 * PostgreSQL) and shared by every worker; a tenant's runs then reconcile: read from the stored
 * point up to now minus `settleSeconds` and ship only the ids not recorded.
 */
export interface ClusterReceiveOptions {
  /** The address to listen on (`0.0.0.0`: every interface). */
  host: string;
  /** `0` picks a free port (the worker's `receiver.port` says which). */
  port: number;
  /** PEM certificate and key: HTTPS instead of HTTP. */
  tls?: { cert: string; key: string };
  /** Largest body accepted, in bytes. @default RECEIVER_DEFAULTS.bodyLimit (10 MB) */
  bodyLimit?: number;
  /** How old a log must be before a run reads it from the API. @default 600 */
  settleSeconds?: number;
  /** How long shipped ids are kept (the tenant's log retention), in days. @default 30 */
  retentionDays?: number;
}
