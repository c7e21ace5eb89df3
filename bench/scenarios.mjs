// The four throughput scenarios (1-4), the backfill (5) and one-cursor target (6) scenarios, each
// one's floor, and the plan (library x scenario) a set of flags asks for.

/** Logs per `GET /api/v2/logs` answer: the API's maximum, and the batch size of both libraries. */
export const PAGE_SIZE = 100;

const WAN = { latencyMs: 50, connectLatencyMs: 100 };

/**
 * Scenario 3 keeps scenario 1's latencies and adds the bucket: a real tenant has both, and without
 * latency the bucket would be the only thing measured.
 */
export const SCENARIOS = {
  1: {
    title: 'WAN',
    description: '50 ms per response, 100 ms per new connection, 50 ms per send',
    tenant: { ...WAN },
    sendMs: 50,
    concurrency: 1,
  },
  2: {
    title: 'Slow destination',
    description: 'as 1, 200 ms per send; ours with concurrency 4',
    tenant: { ...WAN },
    sendMs: 200,
    concurrency: 4,
    // The original ships about 100 logs per 400 ms here: half the logs keep the run short.
    originalShare: 0.5,
  },
  3: {
    title: 'Rate-limited',
    description:
      'as 1, plus a bucket of 10 requests refilled at 5/s (the first 10 requests use up the full bucket)',
    tenant: { ...WAN, rateLimit: { burst: 10, perSecond: 5 } },
    sendMs: 50,
    concurrency: 1,
    originalShare: 0.5,
  },
  4: {
    title: 'Backlog',
    description: 'as 1, with 10x the logs, to compare peak memory with scenario 1',
    tenant: { ...WAN },
    sendMs: 50,
    concurrency: 1,
    backlog: true,
  },
  5: {
    title: 'Backfill',
    description:
      'a backlog older than the horizon in each shape (--shapes), 200 ms per response, 100 ms per new connection, a bucket of 50 requests refilled at 50/s, no send time; ours with 1 and with 8 backfill cursors; the original on the even shape',
    tenant: { latencyMs: 200, connectLatencyMs: 100, rateLimit: { burst: 50, perSecond: 50 } },
    sendMs: 0,
    concurrency: 1,
    cursors: [1, 8],
    shapes: true,
  },
  6: {
    title: 'Near the limit',
    description:
      "the one-cursor target: scenario 1's tenant and send time with 6,000 logs (whatever --logs says); ours also with a stored token",
    tenant: { ...WAN },
    sendMs: 50,
    concurrency: 1,
    logs: 6000,
    storedToken: true,
  },
};

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

/**
 * The backlog shapes of the backfill scenario (5), each a function of the logs asked for (`--logs`)
 * and the tenant's start time giving the fake tenant's options (see FAKE_TENANT_SHAPES for what
 * `arrival: 'realistic'` means). The shapes: the even one it was measured on, an attack
 * burst long ago with nothing since, a dev tenant's bursts days apart, and a working week.
 */
export const BACKFILL_SHAPES = {
  even: {
    title: 'even',
    description: 'the logs evenly over the 7 days before the start',
    tenant: (logs, now) => ({ logs, startDate: now - 7 * DAY_MS, endDate: now }),
  },
  burst: {
    title: 'one burst',
    description: 'the logs within 12 minutes, 17 days before the start, nothing since',
    tenant: (logs, now) => ({
      logs,
      startDate: now - 17 * DAY_MS,
      endDate: now - 17 * DAY_MS + 12 * MINUTE_MS,
    }),
  },
  bursts: {
    title: 'bursts days apart',
    description:
      '50 logs over 15 days (quiet nights and weekends) and five bursts of a tenth of the logs each, 12 minutes long, 3 days apart (10,050 logs for --logs 20000)',
    tenant: (logs, now) => ({
      logs: 50,
      arrival: 'realistic',
      startDate: now - 15 * DAY_MS,
      endDate: now,
      bursts: [0, 1, 2, 3, 4].map((i) => ({
        at: now - 14 * DAY_MS + i * 3 * DAY_MS,
        logs: Math.max(1, Math.round(logs / 10)),
        seconds: 12 * 60,
      })),
    }),
  },
  diurnal: {
    title: 'diurnal week',
    description:
      'the logs over the 7 days before the start, busy working hours, quiet nights and weekends',
    tenant: (logs, now) => ({
      logs,
      arrival: 'realistic',
      startDate: now - 7 * DAY_MS,
      endDate: now,
    }),
  },
};

/** Scenarios whose table rows show the floor (one cursor, no rate limit). */
export const FLOOR_SCENARIOS = [1, 6];

/**
 * The least time, in ms, any client needs to fetch `logs` logs from the scenario's tenant and see
 * that it caught up: one new connection (`connectLatencyMs`), the token request (`latencyMs`, left
 * out when the token is stored), and one request per page plus the last, empty one that says
 * caught up (`latencyMs` each). The last send overlaps that empty answer. For 6,000 logs at 50 ms
 * and 100 ms per connection: 100 + 50 + 61 x 50 = 3,200 ms, 1,875 logs/s, 93.75% of 2,000 logs/s.
 */
export function floorMs(scenario, logs, storedToken = false) {
  const { latencyMs, connectLatencyMs = 0 } = scenario.tenant;
  const requests = Math.ceil(logs / PAGE_SIZE) + 1 + (storedToken ? 0 : 1);
  return connectLatencyMs + requests * latencyMs;
}

/** Logs per second the API can serve at best: one page per response time, or the rate limit. */
export function fetchBoundLimit(scenario) {
  const { latencyMs, rateLimit } = scenario.tenant;
  const byLatency = latencyMs > 0 ? (PAGE_SIZE * 1000) / latencyMs : Infinity;
  const byRate = rateLimit ? rateLimit.perSecond * PAGE_SIZE : Infinity;
  return Math.min(byLatency, byRate);
}

/** One library in one scenario, as the parent runs it. */
function entry(id, library, logs, options, note, cursors = 1, storedToken = false, shape) {
  const scenario = SCENARIOS[id];
  const defaultCap = library === 'ours' ? 240 : options.quick ? 40 : 90;
  return {
    scenario: Number(id),
    title: scenario.title,
    // a backfill shape's name (BACKFILL_SHAPES); the parent builds its tenant from the start time
    ...(shape ? { shape } : {}),
    description: scenario.description,
    library,
    logs,
    tenant: scenario.tenant,
    sendMs: scenario.sendMs,
    concurrency: library === 'ours' ? scenario.concurrency : 1,
    batchSize: PAGE_SIZE,
    cursors,
    limit: fetchBoundLimit(scenario),
    storedToken,
    // ms: the least time any client needs (scenarios 1 and 6 only)
    floorMs: FLOOR_SCENARIOS.includes(Number(id))
      ? floorMs(scenario, logs, storedToken)
      : undefined,
    maxSeconds: options.maxSeconds ?? defaultCap,
    note,
  };
}

/** Every run the options ask for, in order: scenario by scenario, ours first. */
export function plan(options) {
  const base = options.logs ?? (options.quick ? 4000 : 20000);
  const runs = [];
  const skipped = [];
  for (const id of options.scenarios) {
    const scenario = SCENARIOS[id];
    // scenario 6 has its own count (the target's 6,000), which only --near-limit-logs changes
    const logs = scenario.logs
      ? (options.nearLimitLogs ?? scenario.logs)
      : scenario.backlog
        ? base * 10
        : base;
    for (const library of options.libs) {
      if (library === 'ours') {
        for (const shape of scenario.shapes ? options.shapes : [undefined])
          for (const cursors of scenario.cursors ?? [1])
            runs.push(entry(id, library, logs, options, undefined, cursors, false, shape));
        if (scenario.storedToken) {
          const note =
            'token fetched and stored before the timer started, as a cron or --follow run finds the one (24 h) its previous run stored';
          runs.push(entry(id, library, logs, options, note, 1, true));
        }
        continue;
      }
      if (scenario.backlog && !options.originalBacklog) {
        skipped.push({
          scenario: Number(id),
          library,
          reason: `not run: at its pace (about 440 logs/s in scenario 1) ${logs} logs would take about ${Math.ceil(logs / 440 / 60)} minutes; pass --original-backlog to run it`,
        });
        continue;
      }
      const share = scenario.originalShare ?? 1;
      const originalLogs = options.originalLogs ?? Math.max(PAGE_SIZE, Math.round(logs * share));
      const note =
        originalLogs < logs ? `measured on ${originalLogs} logs (compare logs/s)` : undefined;
      const shape = scenario.shapes ? 'even' : undefined;
      runs.push(entry(id, library, originalLogs, options, note, 1, false, shape));
    }
  }
  return { runs, skipped };
}
