import { promises as fs } from 'node:fs';
import path from 'node:path';
import { runCli } from '../../src/cli/cli';
import { type FakeTenant, type FakeTenantOptions, startFakeTenant } from '../../src/testing';
import type { LogEvent } from '../../src/types';
import { captureIo, tempDir } from './cli';
import { sparePort } from './redis-server';

/** A `receive` command run in-process on simulated time: the reconcile interval waits for `tick`. */
export interface ReceiveRun {
  url: string;
  /** Resolves the exit code. */
  done: Promise<number>;
  stderr: () => string;
  /** Stops it as SIGTERM does. */
  stop: () => void;
  /** Ends the reconcile interval now (the next reconciliation starts). */
  tick: () => void;
  /** Reconciliations that ended so far (each then waits for `tick`). */
  waits: () => number;
}

/** The simulated clock of a test (epoch ms), moved by the test. */
export interface SimClock {
  now: () => number;
  set: (ms: number) => void;
}

export function simClock(start: number): SimClock {
  let at = start;
  return { now: () => at, set: (ms) => (at = ms) };
}

/** Lets every other pending callback run once (a settled answer's handlers). */
export const instant = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * A fake tenant on `clock` with 300 logs written in the 9 minutes before `t0` (younger than the
 * settle time, 600 s, at `t0`: a stream delivers them before any reconciliation), and its logs.
 */
export async function startStreamTenant(
  t0: number,
  clock: SimClock,
  options: Partial<FakeTenantOptions> = {},
): Promise<{ tenant: FakeTenant; logs: LogEvent[] }> {
  const tenant = await startFakeTenant({
    logs: 300,
    startDate: t0 - 9 * 60_000,
    endDate: t0 - 60_000,
    now: clock.now,
    ...options,
  });
  return { tenant, logs: Array.from({ length: 300 }, (_, i) => tenant.logAt(i)) };
}

/** The flags that reach the fake tenant (credentials from the environment, its CA from a file). */
export async function tenantSetup(tenant: FakeTenant) {
  const dir = await tempDir();
  const caFile = path.join(dir, 'ca.pem');
  await fs.writeFile(caFile, tenant.ca);
  return {
    dir,
    env: {
      AUTH0_DOMAIN: tenant.domain,
      AUTH0_CLIENT_ID: tenant.clientId,
      AUTH0_CLIENT_SECRET: tenant.clientSecret,
    },
    caFile,
  };
}

/**
 * Runs `receive` with `args` (plus `--listen` on a spare port) and `env`; sleeps shorter than a
 * minute (retries) return at once, the reconcile interval waits for {@link ReceiveRun.tick}.
 */
export async function startReceive(
  args: string[],
  env: Record<string, string>,
  clock: SimClock,
): Promise<ReceiveRun> {
  const port = await sparePort();
  const controller = new AbortController();
  const waiting: Array<() => void> = [];
  let waits = 0;
  const sleep = (ms: number, signal?: AbortSignal) =>
    new Promise<void>((resolve) => {
      if (ms < 60_000 || signal?.aborted) return void setImmediate(resolve);
      waits += 1;
      waiting.push(resolve);
      signal?.addEventListener('abort', () => resolve(), { once: true });
    });
  const { io, stderr } = captureIo({
    env,
    signal: controller.signal,
    timing: { now: clock.now, sleep, random: () => 0.5 },
  });
  const done = runCli(['receive', ...args, '--listen', `127.0.0.1:${port}`], io);
  const url = `http://127.0.0.1:${port}/`;
  // ready once the listener answers
  for (let i = 0; ; i++) {
    const up = await fetch(`${url}healthz`).then(
      () => true,
      () => false,
    );
    if (up) break;
    const exited = await Promise.race([done, new Promise((r) => setTimeout(() => r(null), 20))]);
    if (exited !== null) throw new Error(`receive exited ${String(exited)}: ${stderr()}`);
    if (i > 500) throw new Error(`receive did not start: ${stderr()}`);
  }
  return {
    url,
    done,
    stderr,
    stop: () => controller.abort(),
    tick: () => waiting.splice(0).forEach((resolve) => resolve()),
    waits: () => waits,
  };
}

/** Stream elements as Auth0 sends them: `{ log_id, data }`. */
export function elements(logs: readonly LogEvent[]) {
  return logs.map((log) => ({ log_id: log.log_id as string, data: log }));
}

/** A delivery's body and content type in one of the three content formats. */
export function streamBody(
  format: 'JSONLINES' | 'JSONARRAY' | 'JSONOBJECT',
  logs: readonly LogEvent[],
): { body: string; type: string } {
  const els = elements(logs);
  if (format === 'JSONARRAY') return { body: JSON.stringify(els), type: 'application/json' };
  if (format === 'JSONOBJECT')
    return { body: JSON.stringify(els[0]), type: 'application/json; charset=utf-8' };
  return { body: els.map((e) => JSON.stringify(e)).join('\n'), type: 'application/x-ndjson' };
}

/** POSTs a delivery; resolves its status. */
export async function post(url: string, body: string, type: string, token?: string) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': type, ...(token === undefined ? {} : { authorization: token }) },
    body,
  });
  return { status: response.status, body: await response.text() };
}
