// Runs one library in one scenario: a fresh fake tenant in this process, the library in a child.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { BACKFILL_SHAPES } from './scenarios.mjs';

const CHILD = fileURLToPath(new URL('./child.mjs', import.meta.url));

/**
 * The same V8 setting for every child, both libraries, every scenario: the young generation
 * starts at the 16 MB that any run longer than ~40 s grows it to anyway. Without it a short run
 * (scenario 1) ends before V8 sizes its heap, and peak RSS compares warm-up, not the backlog.
 */
export const CHILD_EXEC_ARGV = ['--min-semi-space-size=16', '--max-semi-space-size=16'];

/**
 * Forks the child, hands it `config`, calls `onReady` when the child says it is about to start its
 * timer (then tells it to go), and resolves what it reports (or why it failed).
 */
function runChild(config, env, timeoutMs, onReady) {
  return new Promise((resolve) => {
    const child = fork(CHILD, [], {
      env,
      execArgv: CHILD_EXEC_ARGV,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let result;
    const timer = setTimeout(() => {
      result ??= { ok: false, error: `killed after ${Math.round(timeoutMs / 1000)} s` };
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('message', (message) => {
      if (message?.ready) {
        onReady();
        child.send('go');
        return;
      }
      result ??= message;
    });
    child.on('error', (error) => {
      result ??= { ok: false, error: String(error) };
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(result ?? { ok: false, error: `child exited (code ${code}, signal ${signal})` });
    });
    child.send(config);
  });
}

/** Environment of a child: no DEBUG output; the original trusts the tenant CA through a file. */
function childEnv(library, caFile) {
  const env = { ...process.env };
  delete env.DEBUG;
  delete env.NODE_OPTIONS;
  if (library === 'original') env.NODE_EXTRA_CA_CERTS = caFile;
  return env;
}

/** Measures one entry of the plan; never rejects (a failure is part of the result). */
export async function measure(entry, { startFakeTenant, caFile }) {
  const shaped = entry.shape
    ? BACKFILL_SHAPES[entry.shape].tenant(entry.logs, Date.now())
    : { logs: entry.logs };
  const tenant = await startFakeTenant({ ...shaped, ...entry.tenant });
  // a shape's bursts come on top of its logs
  entry = { ...entry, logs: tenant.logCount() };
  try {
    const config = {
      library: entry.library,
      domain: tenant.domain,
      clientId: tenant.clientId,
      clientSecret: tenant.clientSecret,
      ca: tenant.ca,
      logs: entry.logs,
      sendMs: entry.sendMs,
      batchSize: entry.batchSize,
      concurrency: entry.concurrency,
      cursors: entry.cursors,
      maxRetries: 5,
      maxSeconds: entry.maxSeconds,
      storedToken: entry.storedToken,
    };
    const timeoutMs = (entry.maxSeconds + 60) * 1000;
    // counted from the child's go: a stored token's request and connection are not in the figures
    const child = await runChild(config, childEnv(entry.library, caFile), timeoutMs, () =>
      tenant.resetStats(),
    );
    return { ...entry, child, stats: tenant.stats() };
  } finally {
    await tenant.close();
  }
}
