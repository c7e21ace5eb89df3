import type { LogEvent } from '../types';
import { streamBody } from './log-stream-body';
import { resolveStreamOptions } from './log-stream-options';
import { planStream } from './log-stream-plan';
import { post, streamAgent } from './log-stream-post';
import type { PostTarget } from './log-stream-post';
import { sourceReader } from './log-stream-source';
import type {
  LogStreamElement,
  LogStreamOptions,
  LogStreamReport,
  LogStreamSource,
} from './log-stream-types';

/** A planned delivery: its number (from 1, in plan order) and its elements. */
interface Delivery {
  number: number;
  elements: LogStreamElement[];
}

/**
 * Plays an Auth0 Log Stream (a custom webhook) to `options.url`: POSTs the source's logs as Auth0
 * does, in the stream's content format, with the stream's Authorization token verbatim and its
 * custom headers, and with what Auth0 promises and does not: "at least once" (`duplicateShare`),
 * up to 3 attempts per delivery then given up (`dropShare` for the logs Auth0 never sends),
 * order not guaranteed (`shuffle`), a paused stream (`pauses`, `pauseAfterFailures`)
 * (https://auth0.com/docs/customize/log-streams,
 * https://auth0.com/docs/customize/log-streams/custom-log-streams). Every random choice follows
 * `seed`. Resolves with a {@link LogStreamReport} once every log was sent (or, with `follow`,
 * once `signal` aborted); rejects only with an `ArgumentError` naming a bad option, before
 * sending anything. The Authorization token never appears in an error or the report.
 * @example
 * const tenant = await startFakeTenant({ logs: 500 });
 * const report = await playLogStream(tenant, {
 *   url: 'http://127.0.0.1:8080/',
 *   authorization: 'Bearer my-stream-token',
 *   format: 'JSONARRAY',
 *   duplicateShare: 0.05,
 *   dropShare: 0.05,
 *   shuffle: true,
 * });
 * // report.delivered: the log_ids your receiver acknowledged; report.dropped: never sent
 */
export async function playLogStream(
  source: LogStreamSource | readonly LogEvent[],
  options: LogStreamOptions,
): Promise<LogStreamReport> {
  const o = resolveStreamOptions(options);
  const reader = sourceReader(source);
  const report: LogStreamReport = {
    delivered: [],
    dropped: [],
    duplicated: [],
    gaveUp: [],
    missedWhilePaused: [],
    notSent: [],
    deliveries: 0,
    requests: 0,
    answers: {},
    failures: {},
    stoppedBy: 'end',
  };
  const delivered = new Set<string>();
  const failed = new Set<string>();
  const sent = new Set<string>();
  const unsent: string[] = [];
  const target: PostTarget = {
    url: o.url,
    headers: o.headers,
    timeoutMs: o.timeoutMs,
    agent: streamAgent(o.url, o.concurrency, o.ca),
  };
  const aborted = new Promise<void>((resolve) => {
    if (o.signal?.aborted) resolve();
    o.signal?.addEventListener('abort', () => resolve(), { once: true });
  });
  /** `sleep`, cut short when the signal aborts. */
  const wait = (ms: number) => Promise.race([o.sleep(ms), aborted]);
  const stopping = () => report.stoppedBy !== 'end' || o.signal?.aborted === true;
  let failuresInARow = 0;
  const pauses = [...o.pauses];
  let numbered = 0;

  /** Deliveries given up since the last redelivery round. */
  const givenUp: Delivery[] = [];

  /** Sends a delivery with up to `attempts` attempts; `again` when it is a redelivery of one given up. */
  const deliver = async ({ number: delivery, elements }: Delivery, again: boolean) => {
    const body = streamBody(elements, o.format);
    const logIds = elements.map((element) => element.log_id);
    if (!again) {
      for (const id of logIds) sent.add(id);
      report.deliveries++;
    }
    for (let attempt = 1; attempt <= o.attempts; attempt++) {
      if (attempt > 1) await o.sleep(o.retryDelayMs * 2 ** (attempt - 2));
      const outcome = await post(target, body);
      report.requests++;
      if ('status' in outcome)
        report.answers[outcome.status] = (report.answers[outcome.status] ?? 0) + 1;
      else report.failures[outcome.error] = (report.failures[outcome.error] ?? 0) + 1;
      o.onAttempt?.({ delivery, attempt, logIds, ...outcome });
      if ('status' in outcome && outcome.status >= 200 && outcome.status < 300) {
        for (const id of logIds) delivered.add(id);
        failuresInARow = 0;
        return;
      }
    }
    for (const id of logIds) failed.add(id);
    givenUp.push({ number: delivery, elements });
    if (++failuresInARow >= o.pauseAfterFailures && report.stoppedBy === 'end')
      report.stoppedBy = 'paused';
  };

  /** Takes a due pause: waits for the deliveries in flight, then `ms`; a followed source's logs written meanwhile are skipped. */
  const pause = async (ms: number, inFlight: Set<Promise<void>>) => {
    await Promise.all(inFlight);
    const from = reader.count();
    await wait(ms);
    if (o.follow) report.missedWhilePaused.push(...reader.skip(from, reader.count()));
  };

  const play = async (queue: readonly Delivery[], again = false) => {
    const inFlight = new Set<Promise<void>>();
    let next = 0;
    let pausing: Promise<void> | undefined;
    const worker = async () => {
      for (;;) {
        while (pausing) await pausing;
        if (stopping() || next >= queue.length) return;
        const due = pauses[0];
        if (due && due.afterDeliveries <= report.deliveries) {
          pauses.shift();
          pausing = pause(due.ms, inFlight).finally(() => (pausing = undefined));
          continue;
        }
        const running = deliver(queue[next++] as Delivery, again);
        inFlight.add(running);
        await running;
        inFlight.delete(running);
      }
    };
    await Promise.all(Array.from({ length: o.concurrency }, worker));
    for (const { elements } of queue.slice(next)) for (const e of elements) unsent.push(e.log_id);
  };

  /** Auth0 "restart[s] this process for any errored log": up to `redeliveries` rounds. */
  const redeliver = async () => {
    for (let round = 0; round < o.redeliveries && givenUp.length > 0; round++) {
      await wait(o.redeliveryDelayMs);
      if (stopping()) return;
      await play(givenUp.splice(0), true);
    }
  };

  try {
    for (let round = 0; ; round++) {
      const fresh = reader.next();
      if (fresh.length > 0) {
        const plan = planStream(fresh, o, round);
        report.dropped.push(...plan.dropped);
        report.duplicated.push(...plan.duplicated);
        await play(plan.deliveries.map((elements) => ({ number: ++numbered, elements })));
        if (!stopping()) await redeliver();
      }
      if (!o.follow || Array.isArray(source) || stopping()) break;
      await wait(o.pollMs);
      if (stopping()) break;
    }
  } finally {
    target.agent.destroy();
  }
  if (report.stoppedBy === 'end' && o.signal?.aborted) report.stoppedBy = 'signal';
  report.delivered = [...delivered];
  report.gaveUp = [...failed].filter((id) => !delivered.has(id));
  report.notSent = [...new Set(unsent)].filter((id) => !sent.has(id));
  return report;
}
