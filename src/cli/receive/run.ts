import { errorMessage } from '../../errors';
import { FileStorage } from '../../storage/file';
import { addHeaderSecrets, Redactor } from '../../util/redact';
import { systemTiming, type Timing } from '../../pipeline/retry';
import type { StorageLock } from '../../types';
import type { DestinationHandler } from '../../destinations';
import type { HealthReason } from '../../cluster/health';
import { Intake } from '../../receive/intake';
import { createReceiveMetrics, type ReceiveMetrics } from '../../receive/metrics';
import { Reconciler } from '../../receive/reconcile';
import { startReceiver, type Receiver } from '../../receive/server';
import { ShippedIds, shippedIdsFolder } from '../../receive/shipped-ids';
import { type CliIo, EXIT } from '../io';
import { heldStorage } from '../ship/stop';
import { claimDestination, shipRecord } from '../ship/state-destination';
import { fanout } from '../../destinations/fanout';
import { failureAdvice, statusFacts } from '../ship/advice';
import type { RunStatus } from '../../types';
import type { ToDestination } from '../ship/to';
import {
  DESTINATION_FLAGS,
  openDestination,
  type ShipDestination,
} from '../ship/destination-flags';
import type { ShapeFlags } from '../shape-flags';
import { categoriesOption, shapeOption } from '../../options/shape';
import { createShaper } from '../../pipeline/shape/shape';
import { createLogFilter } from '../../pipeline/filter';

const DAY_MS = 86_400_000;

/**
 * Everything `receive` needs, validated (see `receiveConfig`). The shape flags apply to every log
 * shipped, stream and reconciliation alike (one shaper and one filter, in the intake).
 */
export interface ReceiveConfig extends ShapeFlags {
  domain: string;
  clientId: string;
  clientSecret: string;
  ca?: string;
  destination: ShipDestination;
  /** Further `--to` destinations each delivery also goes to (acknowledged once all stored it). */
  also?: ToDestination[];
  state: string;
  host: string;
  port: number;
  path: string;
  token?: string;
  tls?: { cert: string; key: string };
  bodyLimit: number;
  reconcileIntervalSeconds: number;
  reconcileSettleSeconds: number;
  retentionDays: number;
  startFrom?: string;
}

/**
 * Receives the stream and reconciles it until `io.signal` aborts, then drains: the listener stops
 * accepting, the deliveries in flight are answered, the reconciliation in progress stops after
 * its batch; resolves the exit code (0 when stopped by the signal). The state is locked for the
 * whole command. Messages never hold a secret (client secret, stream token, destination's).
 */
export async function receiveLogs(config: ReceiveConfig, io: CliIo): Promise<number> {
  const redactor = new Redactor();
  redactor.addBasic(config.clientId, config.clientSecret);
  if (config.token !== undefined) addHeaderSecrets(redactor, config.token);
  redactor.add(config.piiKey);
  if (config.destination.kind === 'post')
    for (const value of Object.values(config.destination.target.headers ?? {}))
      addHeaderSecrets(redactor, value);
  const say = (message: string) =>
    io.stderr.write(redactor.redact(`auth0-log-tools receive: ${message}\n`));
  const closeTo = async () => {
    const built = [
      ...(config.destination.kind === 'to' ? [config.destination.to] : []),
      ...(config.also ?? []),
    ];
    await Promise.allSettled(built.map((to) => to.handler.close()));
  };

  const storage = new FileStorage(config.state);
  let lock: StorageLock;
  try {
    lock = await storage.lock();
  } catch (error) {
    await closeTo();
    say(errorMessage(error));
    return (error as { code?: string }).code === 'state_locked' ? EXIT.locked : EXIT.failed;
  }
  try {
    const refused = await claimDestination(
      storage,
      shipRecord(config.destination, config.also),
      config.startFrom,
      storage.path,
    );
    if (refused !== undefined) {
      await closeTo();
      say(refused);
      return EXIT.locked;
    }
    return await receiveHeld(config, io, storage, lock, say, (text) => redactor.redact(text));
  } finally {
    await lock.release();
  }
}

async function receiveHeld(
  config: ReceiveConfig,
  io: CliIo,
  storage: FileStorage,
  lock: StorageLock,
  say: (message: string) => void,
  redact: (text: string) => string,
): Promise<number> {
  const timing: Timing = { ...systemTiming, ...io.timing };
  const stop = new AbortController();
  const abort = () => stop.abort();
  if (io.signal?.aborted) abort();
  io.signal?.addEventListener('abort', abort, { once: true });
  lock.lost.addEventListener('abort', abort, { once: true });

  let destination: DestinationHandler;
  try {
    const first = openDestination(
      config.destination,
      { redact, onNote: say, stdout: io.stdout, onClosed: abort },
      io.hangups,
    );
    // several destinations: each delivery to every one, acknowledged once all stored it
    const also = config.also ?? [];
    destination = also.length ? fanout([first, ...also.map((to) => to.handler)]) : first;
  } catch (error) {
    say(`cannot open ${DESTINATION_FLAGS[config.destination.kind]}: ${errorMessage(error)}`);
    return EXIT.failed;
  }
  let metrics: ReceiveMetrics | undefined;
  try {
    metrics = await createReceiveMetrics(config.domain);
  } catch {
    say('no /metrics: it needs the optional peer dependency prom-client (npm install prom-client)');
  }
  const reasons = new Map<HealthReason['code'], string>();
  let receiver: Receiver | undefined;
  let failure: string | undefined;
  try {
    const shipped = await ShippedIds.open({
      folder: shippedIdsFolder(storage.path),
      retentionMs: config.retentionDays * DAY_MS,
      now: timing.now,
    });
    const categories = categoriesOption(config.categories);
    const filter = createLogFilter(undefined, 0, categories);
    const shaper = createShaper(shapeOption(config));
    const intake = new Intake({
      ...(filter ? { keeps: (log) => filter.keeps(log) } : {}),
      ...(shaper ? { shape: shaper } : {}),
      deliver: async (logs) => {
        try {
          await destination(logs);
          reasons.delete('destination_failing');
        } catch (error) {
          reasons.set('destination_failing', redact(errorMessage(error)));
          throw error;
        }
      },
      shipped,
      ...(metrics ? { onShipped: metrics.shipped } : {}),
      onRecorded: (error) => {
        if (error === undefined) return void reasons.delete('storage_unreachable');
        const message = `cannot record the shipped log ids: ${errorMessage(error)}`;
        reasons.set('storage_unreachable', message);
        say(message);
      },
    });
    const reconciler = new Reconciler({
      storage: heldStorage(storage, lock),
      processor: {
        domain: config.domain,
        clientId: config.clientId,
        clientSecret: config.clientSecret,
        onBatchFailure: 'stop',
        // the read asks only for these; the intake filters and shapes what it ships
        ...(categories.length ? { categories } : {}),
        now: timing.now,
        sleep: timing.sleep,
        random: timing.random,
        ...(config.ca === undefined ? {} : { ca: config.ca }),
      },
      ...(config.startFrom === undefined ? {} : { startFrom: config.startFrom }),
      submit: (logs) => intake.submit(logs, 'reconcile'),
      settleMs: config.reconcileSettleSeconds * 1000,
      intervalMs: config.reconcileIntervalSeconds * 1000,
      timing,
      onReconciled: (result) => {
        if (result.status.error) {
          reasons.set('reconcile_failing', result.status.error);
          say(
            `reconciliation failed (retried in ${config.reconcileIntervalSeconds} s): ${result.status.error}${reconcileAdvice(result.status)}`,
          );
        } else reasons.delete('reconcile_failing');
        if (result.lagSeconds !== undefined) metrics?.reconcileLag(result.lagSeconds);
        void shipped.prune().catch(() => undefined);
      },
    });
    if (reconciler.optionsError) throw reconciler.optionsError;
    receiver = await startReceiver({
      host: config.host,
      port: config.port,
      path: config.path,
      bodyLimit: config.bodyLimit,
      submit: (logs) => intake.submit(logs, 'stream'),
      health: () => {
        const list = [...reasons].map(([code, message]) => ({ code, message }));
        if (stop.signal.aborted) list.push({ code: 'stopping', message: 'stopping' });
        return { ok: list.length === 0, reasons: list };
      },
      ...(config.token === undefined ? {} : { token: config.token }),
      ...(config.tls === undefined ? {} : { tls: config.tls }),
      ...(metrics ? { metrics } : {}),
      onError: (error) => say(`a delivery was answered 503: ${errorMessage(error)}`),
    });
    // a signal stops accepting at once; the deliveries in flight are still answered
    const listening = receiver;
    stop.signal.addEventListener('abort', () => void listening.close(), { once: true });
    if (stop.signal.aborted) void listening.close();
    const scheme = config.tls ? 'https' : 'http';
    const host = receiver.host.includes(':') ? `[${receiver.host}]` : receiver.host;
    say(
      `receiving on ${scheme}://${host}:${receiver.port}${config.path}, shipping to ${destination.destination}; reconciling every ${config.reconcileIntervalSeconds} s (logs older than ${config.reconcileSettleSeconds} s)`,
    );
    await reconciler.loop(stop.signal);
    await receiver.close();
    await intake.idle();
  } catch (error) {
    failure = errorMessage(error);
  } finally {
    io.signal?.removeEventListener('abort', abort);
    await receiver?.close();
    // a fan-out closes every destination it holds
    await destination.close().catch(() => undefined);
  }
  if (lock.lost.aborted && failure === undefined) failure = errorMessage(lock.lost.reason);
  if (failure !== undefined) {
    say(failure);
    return EXIT.failed;
  }
  say('stopped: every delivery in flight was answered');
  return EXIT.ok;
}

/**
 * What to do about a failed reconciliation, as `ship` advises after a failed run (refused
 * credentials, the read:logs scope, a certificate to trust with --ca-file, the domain), prefixed
 * `; `; empty when waiting is the remedy. Asked as `tail` asks it, as if permanent: the advice
 * then leaves out "run again to resume", which the next reconciliation does by itself.
 */
function reconcileAdvice(status: RunStatus): string {
  const advice = failureAdvice({
    message: status.error ?? '',
    permanent: true,
    ...statusFacts(status),
  });
  return advice === undefined ? '' : `; ${advice}`;
}
