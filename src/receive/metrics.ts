import type { Registry } from 'prom-client';
import { loadPromClient } from '../cluster/metrics';
import type { IntakeResult, IntakeSource } from './intake';

/** The Prometheus metrics of a receiver (prom-client). */
export interface ReceiveMetrics {
  readonly registry: Registry;
  /** Counts a submission the destination acknowledged. */
  shipped(source: IntakeSource, result: IntakeResult): void;
  /** Counts a delivery of the stream by the HTTP status it was answered. */
  delivery(status: number): void;
  /** Logs received from the stream (parsed), duplicates included. */
  received(logs: number): void;
  /** The reconciled point's age in seconds (tenant's clock minus the time its id holds). */
  reconcileLag(seconds: number): void;
}

/**
 * Makes the metrics (needs the optional peer dependency `prom-client`), each with label `tenant`:
 * - `auth0_log_tools_stream_received_total`: logs the stream delivered (duplicates included);
 * - `auth0_log_tools_stream_duplicates_dropped_total`: logs dropped, already shipped;
 * - `auth0_log_tools_logs_shipped_total{source}`: logs shipped, `stream` or `reconcile`;
 * - `auth0_log_tools_filled_by_reconcile_total`: logs the stream had not delivered, shipped by
 *   the reconciler from the Management API;
 * - `auth0_log_tools_reconcile_lag_seconds`: age of the reconciled point;
 * - `auth0_log_tools_stream_deliveries_total{code}`: deliveries by the HTTP status answered.
 */
export async function createReceiveMetrics(tenant: string): Promise<ReceiveMetrics> {
  const prom = await loadPromClient('receive metrics');
  const registry = new prom.Registry();
  prom.collectDefaultMetrics({ register: registry });
  registry.setDefaultLabels({ tenant });
  const registers = [registry];
  const received = new prom.Counter({
    name: 'auth0_log_tools_stream_received_total',
    help: 'Logs the stream delivered, duplicates included',
    registers,
  });
  const duplicates = new prom.Counter({
    name: 'auth0_log_tools_stream_duplicates_dropped_total',
    help: 'Logs dropped because they were already shipped (stream redeliveries and duplicates)',
    registers,
  });
  const shipped = new prom.Counter({
    name: 'auth0_log_tools_logs_shipped_total',
    help: 'Logs acknowledged by the destination, by source (stream or reconcile)',
    labelNames: ['source'],
    registers,
  });
  const filled = new prom.Counter({
    name: 'auth0_log_tools_filled_by_reconcile_total',
    help: 'Logs the stream had not delivered, shipped from the Management API by reconciliation',
    registers,
  });
  const lag = new prom.Gauge({
    name: 'auth0_log_tools_reconcile_lag_seconds',
    help: 'Age of the reconciled point (the logs before it are shipped, stream or not)',
    registers,
  });
  const deliveries = new prom.Counter({
    name: 'auth0_log_tools_stream_deliveries_total',
    help: 'Deliveries of the stream, by the HTTP status they were answered',
    labelNames: ['code'],
    registers,
  });
  return {
    registry,
    shipped(source, result) {
      shipped.inc({ source }, result.shipped);
      if (source === 'reconcile') filled.inc(result.shipped);
      else duplicates.inc(result.duplicates);
    },
    delivery: (status) => deliveries.inc({ code: String(status) }),
    received: (logs) => received.inc(logs),
    reconcileLag: (seconds) => lag.set(seconds),
  };
}
