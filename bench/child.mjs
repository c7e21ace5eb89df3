// One library in one scenario, in its own process so that CPU time and peak RSS are its own.
// The parent sends the configuration over IPC (the client secret never reaches argv or output) and
// gets the measurements back the same way.
import { constants, performance, PerformanceObserver } from 'node:perf_hooks';
import { Tally } from './tally.mjs';

/** The distinct messages of a list, most frequent first, with their counts. */
function summarize(messages) {
  const counts = new Map();
  for (const message of messages) counts.set(message, (counts.get(message) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)
    .map(([message, count]) => ({ message: message.slice(0, 300), count }));
}

/**
 * Heap in use just after each major (mark-compact) GC: close to the live heap, so it shows whether
 * what the library keeps grows with the backlog, apart from how far V8 lets garbage pile up.
 */
function watchMajorGcs() {
  const seen = { count: 0, first: NaN, last: NaN, max: 0 };
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (entry.detail?.kind !== constants.NODE_PERFORMANCE_GC_MAJOR) continue;
      const used = process.memoryUsage().heapUsed / 1024 / 1024;
      seen.count += 1;
      if (seen.count === 1) seen.first = used;
      seen.last = used;
      seen.max = Math.max(seen.max, used);
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  return { seen, stop: () => observer.disconnect() };
}

/** Tells the parent this child is ready (it resets the tenant's counters) and waits for its go. */
function ready() {
  return new Promise((resolve) => {
    process.once('message', resolve);
    process.send({ ready: true });
  });
}

async function measure(config) {
  const adapter = await import(config.library === 'ours' ? './ours.mjs' : './original.mjs');
  const lib = adapter.load();
  // a stored token (ours only) is fetched here, before the timer and the tenant's counters start
  const prepared = await adapter.prepare?.(lib, config);
  await ready();
  const tally = new Tally(config.logs);
  let peakHeap = 0;
  // Highest RSS sampled in each quarter of the logs: flat or growing with the backlog?
  const rssByQuarter = [0, 0, 0, 0];
  const sampler = setInterval(() => {
    const { heapUsed, rss } = process.memoryUsage();
    peakHeap = Math.max(peakHeap, heapUsed);
    const quarter = Math.min(3, Math.floor((4 * tally.unique) / Math.max(1, config.logs)));
    rssByQuarter[quarter] = Math.max(rssByQuarter[quarter], rss / 1024 / 1024);
  }, 100);
  const gcs = watchMajorGcs();
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const deadline = Date.now() + config.maxSeconds * 1000;
  const outcome = await adapter.ship(lib, config, tally, deadline, prepared);
  const elapsedMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  clearInterval(sampler);
  gcs.stop();
  const total = process.cpuUsage();
  return {
    ok: true,
    elapsedMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    cpuUserMs: cpu.user / 1000,
    cpuSystemMs: cpu.system / 1000,
    processCpuMs: (total.user + total.system) / 1000,
    maxRssKb: process.resourceUsage().maxRSS,
    peakHeapUsedMb: Math.max(peakHeap, process.memoryUsage().heapUsed) / 1024 / 1024,
    heapAfterMajorGcMb: gcs.seen,
    rssByQuarterMb: rssByQuarter,
    tally: tally.toJSON(),
    runs: outcome.runs,
    runErrors: outcome.errors.length,
    errors: summarize(outcome.errors),
    warnings: summarize(outcome.warnings),
    skippedLogs: outcome.skipped,
  };
}

process.once('message', (config) => {
  measure(config).then(
    (result) => process.send(result, () => process.exit(0)),
    (error) =>
      process.send({ ok: false, error: String(error?.stack ?? error) }, () => process.exit(1)),
  );
});
