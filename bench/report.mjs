// Turns measurements into figures, a Markdown table and the check list of the targets.
import { BACKFILL_SHAPES, PAGE_SIZE } from './scenarios.mjs';

/** The figures of one measurement (`undefined` where the child failed). */
export function figures(result) {
  const { child, stats } = result;
  if (!child.ok) return { failed: child.error };
  const seconds = child.elapsedMs / 1000;
  const unique = child.tally.unique;
  const logsPerSecond = seconds > 0 ? unique / seconds : 0;
  const complete = child.tally.missing === 0;
  return {
    seconds,
    delivered: unique,
    complete,
    logsPerSecond,
    percentOfLimit: (100 * logsPerSecond) / result.limit,
    // the floor's time over this run's: 100% is as fast as any client can be
    percentOfFloor:
      result.floorMs && complete && child.elapsedMs > 0
        ? (100 * result.floorMs) / child.elapsedMs
        : undefined,
    requests: stats.logRequests,
    requestsPerSecond: seconds > 0 ? stats.logRequests / seconds : 0,
    tokenRequests: stats.tokenRequests,
    connections: stats.connections,
    rateLimited: stats.rateLimited,
    percentRateLimited: stats.logRequests > 0 ? (100 * stats.rateLimited) / stats.logRequests : 0,
    maxConcurrentRequests: stats.maxConcurrentRequests,
    cpuMsPer1000: unique > 0 ? (1000 * child.cpuMs) / unique : NaN,
    peakRssMb: child.maxRssKb / 1024,
    peakHeapUsedMb: child.peakHeapUsedMb,
    heapAfterMajorGcMb: child.heapAfterMajorGcMb,
    rssByQuarterMb: child.rssByQuarterMb,
    duplicates: child.tally.duplicates,
    outOfOrder: child.tally.outOfOrder,
    missing: child.tally.missing,
    runs: child.runs,
    runErrors: child.runErrors,
  };
}

const fixed = (value, digits = 0) =>
  Number.isFinite(value)
    ? value.toLocaleString('en-US', {
        minimumFractionDigits: digits,
        maximumFractionDigits: digits,
      })
    : '—';

/** Ours ÷ original in logs/s, per scenario, when both were measured. */
export function ratios(results) {
  const out = {};
  for (const result of results) {
    if (result.library !== 'ours' || !result.figures.logsPerSecond) continue;
    const other = results.find((r) => r.scenario === result.scenario && r.library === 'original');
    const theirs = other?.figures.logsPerSecond;
    // The first of ours per scenario (one cursor in scenario 5) is the scenario's ratio.
    if (theirs) out[result.scenario] ??= result.figures.logsPerSecond / theirs;
    if (theirs) result.figures.ratioToOriginal = result.figures.logsPerSecond / theirs;
  }
  return out;
}

const HEADER = [
  'Scenario',
  'Library',
  'Logs',
  'Logs/s',
  'Ours ÷ original',
  'Limit (logs/s)',
  '% of limit',
  '% of floor',
  'Requests',
  'New connections',
  '429s',
  'CPU ms / 1,000 logs',
  'Peak RSS (MB)',
  'Duplicates / missing',
];

/** `ours (8 cursors)`, `ours (stored token)`, `original`: a measurement in progress lines. */
export function label(r) {
  const cursors = r.cursors > 1 ? ` (${r.cursors} cursors)` : '';
  const shape = r.shape ? `, ${BACKFILL_SHAPES[r.shape].title}` : '';
  return `${r.library}${cursors}${r.storedToken ? ' (stored token)' : ''}${shape}`;
}

/** The Markdown table of every measurement. */
export function table(results) {
  ratios(results); // sets each row's figures.ratioToOriginal
  const lines = [`| ${HEADER.join(' | ')} |`, `|${HEADER.map(() => ' --- ').join('|')}|`];
  for (const r of results) {
    const f = r.figures;
    const name = r.library === 'ours' ? 'auth0-log-tools' : 'original 1.3.10';
    const lib = r.storedToken
      ? `${name}, stored token`
      : r.library === 'ours' && r.cursors > 1
        ? `${name} (${r.cursors} cursors)`
        : r.library === 'ours' && r.concurrency > 1
          ? `${name} (concurrency ${r.concurrency})`
          : name;
    const shape = r.shape ? ` (${BACKFILL_SHAPES[r.shape].title})` : '';
    const head = [`${r.scenario}. ${r.title}${shape}`, lib];
    if (f.failed) {
      lines.push(`| ${[...head, `failed: ${f.failed.split('\n')[0]}`].join(' | ')} |`);
      continue;
    }
    const logs = f.complete ? fixed(r.logs) : `${fixed(f.delivered)} of ${fixed(r.logs)}`;
    const cells = [
      ...head,
      logs,
      fixed(f.logsPerSecond),
      f.ratioToOriginal && r.library === 'ours' ? `${fixed(f.ratioToOriginal, 1)}x` : '—',
      fixed(r.limit),
      `${fixed(f.percentOfLimit)}%`,
      f.percentOfFloor === undefined ? '—' : `${fixed(f.percentOfFloor)}%`,
      fixed(f.requests),
      fixed(f.connections),
      fixed(f.rateLimited),
      fixed(f.cpuMsPer1000, 1),
      fixed(f.peakRssMb, 1),
      `${fixed(f.duplicates)} / ${fixed(f.missing)}`,
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

function find(results, scenario, library, storedToken = false) {
  const r = results.find(
    (x) => x.scenario === scenario && x.library === library && !!x.storedToken === storedToken,
  );
  return r && !r.figures.failed ? r.figures : undefined;
}

/** The floor of a measurement in words: its parts, its time, and its share of the limit. */
function floorText(r) {
  const { latencyMs, connectLatencyMs = 0 } = r.tenant;
  const requests = Math.ceil(r.logs / PAGE_SIZE) + 1;
  const parts = [
    `${fixed(connectLatencyMs)} ms (a new connection)`,
    ...(r.storedToken ? [] : [`${fixed(latencyMs)} ms (the token)`]),
    `${fixed(requests)} x ${fixed(latencyMs)} ms (${fixed(requests - 1)} pages and the empty answer that says caught up)`,
  ];
  const logsPerSecond = (1000 * r.logs) / r.floorMs;
  return `${parts.join(' + ')} = ${fixed(r.floorMs)} ms, ${fixed(logsPerSecond)} logs/s, ${fixed((100 * logsPerSecond) / r.limit, 2)}% of the limit`;
}

/**
 * The floor of scenarios 1 and 6, one line each (and one for a stored token): the least time any
 * client needs against that tenant, with one cursor, whatever it does between requests.
 */
export function floorLines(results) {
  const lines = [];
  const seen = new Set();
  for (const r of results) {
    const key = `${r.scenario}/${r.logs}/${!!r.storedToken}`;
    if (r.floorMs === undefined || seen.has(key)) continue;
    seen.add(key);
    const start = r.storedToken ? 'with a stored token' : 'cold start';
    lines.push(
      `- Floor of scenario ${r.scenario}, ${fixed(r.logs)} logs, ${start} (any client, one cursor; the last send overlaps the empty answer): ${floorText(r)}.`,
    );
  }
  return lines.join('\n');
}

/** Scenario 6's check: its figure, and where the floor stands against the 95% target. */
function nearLimitCheck(results, add, storedToken) {
  const r = results.find(
    (x) => x.scenario === 6 && x.library === 'ours' && !!x.storedToken === storedToken,
  );
  const f = r && !r.figures.failed ? r.figures : undefined;
  const logs = r ? fixed(r.logs) : '6,000';
  const floorPercent = r && (100 * ((1000 * r.logs) / r.floorMs)) / r.limit;
  // the target over the floor: above 100% no client can meet it
  const share = floorPercent && (100 * 95) / floorPercent;
  const reach =
    floorPercent === undefined
      ? ''
      : floorPercent < 95
        ? `; the floor is ${fixed(floorPercent, 2)}% of the limit, so the target (${fixed(share, 1)}% of the floor) is out of reach as stated${storedToken ? '' : ' for a cold start'}`
        : `; the floor is ${fixed(floorPercent, 2)}% of the limit, so the target asks for ${fixed(share, 1)}% of the floor`;
  const value =
    f &&
    (f.complete
      ? `${fixed(f.percentOfLimit, 1)}% of the limit, ${fixed(f.percentOfFloor, 1)}% of the floor${reach}`
      : `did not finish${reach}`);
  const target = storedToken
    ? `One cursor with a stored token at >= 95% of the limit (scenario 6, ${logs} logs; not the issue's target, which starts cold)`
    : `One cursor at >= 95% of the limit (scenario 6, ${logs} logs)`;
  add(target, value, f && f.complete && f.percentOfLimit >= 95);
}

/** Each target with the figure it was judged on: `met`, `not met` or `not measured`. */
export function checks(results) {
  const ratio = ratios(results);
  const out = [];
  const add = (target, value, ok) =>
    out.push({
      target,
      value,
      verdict: ok === undefined ? 'not measured' : ok ? 'met' : 'not met',
    });
  const s1 = find(results, 1, 'ours');
  const s2 = find(results, 2, 'ours');
  const s3 = find(results, 3, 'ours');
  const s4 = find(results, 4, 'ours');
  add(
    'Scenario 1 at >= 90% of the limit',
    s1 && `${fixed(s1.percentOfLimit, 1)}%`,
    s1 && s1.percentOfLimit >= 90,
  );
  add(
    'Scenario 1 at >= 3.5x the original',
    ratio[1] && `${fixed(ratio[1], 2)}x`,
    ratio[1] && ratio[1] >= 3.5,
  );
  add(
    'Scenario 2 at >= 80% of the limit',
    s2 && `${fixed(s2.percentOfLimit, 1)}%`,
    s2 && s2.percentOfLimit >= 80,
  );
  add(
    'Scenario 3 at >= 90% of 500 logs/s with <= 5% of requests answered 429',
    s3 && `${fixed(s3.percentOfLimit, 1)}%, ${fixed(s3.percentRateLimited, 1)}% 429s`,
    s3 && s3.percentOfLimit >= 90 && s3.percentRateLimited <= 5,
  );
  for (const scenario of [1, 2, 3, 4]) {
    const ours = find(results, scenario, 'ours');
    const theirs = find(results, scenario, 'original');
    if (!ours || !theirs) continue;
    add(
      `CPU per 1,000 logs no higher than the original's (scenario ${scenario})`,
      `${fixed(ours.cpuMsPer1000, 1)} vs ${fixed(theirs.cpuMsPer1000, 1)} ms`,
      ours.cpuMsPer1000 <= theirs.cpuMsPer1000,
    );
  }
  add(
    'Peak RSS in scenario 4 within 10% of scenario 1',
    s1 &&
      s4 &&
      `${fixed(s4.peakRssMb, 1)} vs ${fixed(s1.peakRssMb, 1)} MB (${fixed((100 * (s4.peakRssMb - s1.peakRssMb)) / s1.peakRssMb, 1)}%)`,
    s1 && s4 && s4.peakRssMb <= 1.1 * s1.peakRssMb,
  );
  backfillChecks(results, add);
  nearLimitCheck(results, add, false);
  nearLimitCheck(results, add, true);
  const ours = results.filter((r) => r.library === 'ours');
  const off = ours.filter((r) => r.figures.failed || r.figures.duplicates || r.figures.missing);
  add(
    'Ours: every log exactly once, no crash (not a target of the issue: a sanity check)',
    ours.length
      ? `${off.length} of ${ours.length} measurements with duplicates, missing logs or a crash`
      : undefined,
    ours.length ? off.length === 0 : undefined,
  );
  return out;
}

/** The check list as Markdown. */
export function checkList(list) {
  return list
    .map(
      (c) =>
        `- [${c.verdict === 'met' ? 'x' : ' '}] ${c.target}: ${c.value ?? '—'} (**${c.verdict}**)`,
    )
    .join('\n');
}

/** Scenario 5 (backfill), per shape: ours with one cursor and with 8 (the original's row aside). */
function backfillShapes(results) {
  const runs = results.filter((r) => r.scenario === 5 && r.library === 'ours');
  const shapes = [...new Set(runs.map((r) => r.shape ?? 'even'))];
  return shapes.map((shape) => {
    const of = (cursors) =>
      runs.find((r) => (r.shape ?? 'even') === shape && r.cursors === cursors && !r.figures.failed);
    return { shape, one: of(1), eight: of(8) };
  });
}

/**
 * The backfill table: per shape, one cursor and 8 cursors side by side (logs/s, the ratio,
 * requests, 429s, peak RSS, and whether every log arrived once and in order).
 */
export function backfillTable(results) {
  const rows = backfillShapes(results);
  if (!rows.length) return '';
  const header = [
    'Backfill (scenario 5) shape',
    'Logs',
    'Logs/s, 1 cursor',
    'Logs/s, 8 cursors',
    '8 ÷ 1',
    'Requests, 1 / 8',
    '429s, 1 / 8',
    'Peak RSS (MB), 1 / 8',
    'Duplicates / missing / out of order, 8 cursors',
  ];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => ' --- ').join('|')}|`];
  for (const { shape, one, eight } of rows) {
    const a = one?.figures;
    const b = eight?.figures;
    const both = (get, digits = 0) =>
      `${a ? fixed(get(a), digits) : '—'} / ${b ? fixed(get(b), digits) : '—'}`;
    const logs = (r) =>
      !r
        ? '—'
        : r.figures.complete
          ? fixed(r.logs)
          : `${fixed(r.figures.delivered)} of ${fixed(r.logs)}`;
    lines.push(
      `| ${[
        BACKFILL_SHAPES[shape].title,
        logs(eight ?? one),
        a ? fixed(a.logsPerSecond) : '—',
        b ? `${fixed(b.logsPerSecond)}${b.complete ? '' : ` (${logs(eight)})`}` : '—',
        a && b ? `${fixed(b.logsPerSecond / a.logsPerSecond, 2)}x` : '—',
        both((f) => f.requests),
        both((f) => f.rateLimited),
        both((f) => f.peakRssMb, 1),
        b ? `${fixed(b.duplicates)} / ${fixed(b.missing)} / ${fixed(b.outOfOrder)}` : '—',
      ].join(' | ')} |`,
    );
  }
  return lines.join('\n');
}

function backfillChecks(results, add) {
  const rows = backfillShapes(results);
  if (!rows.length) return;
  for (const shape of ['even', 'burst']) {
    const row = rows.find((r) => r.shape === shape);
    const one = row?.one?.figures;
    const eight = row?.eight?.figures;
    add(
      `Backfill (${BACKFILL_SHAPES[shape].title}): 8 cursors at >= 5x one cursor`,
      one && eight && `${fixed(eight.logsPerSecond / one.logsPerSecond, 2)}x`,
      one && eight && eight.complete && eight.logsPerSecond >= 5 * one.logsPerSecond,
    );
  }
  const eights = rows.filter((r) => r.eight).map((r) => ({ ...r, f: r.eight.figures }));
  const names = (list) => list.map((r) => BACKFILL_SHAPES[r.shape].title).join(', ');
  const disordered = eights.filter((r) => r.f.duplicates || r.f.missing || r.f.outOfOrder);
  add(
    'Backfill: 8 cursors ship every log once and in order, every shape',
    eights.length && (disordered.length ? `not on ${names(disordered)}` : `on ${names(eights)}`),
    eights.length ? disordered.length === 0 : undefined,
  );
  const limited = eights.filter((r) => r.f.percentRateLimited > 5);
  add(
    'Backfill: <= 5% of requests answered 429 with 8 cursors, every shape',
    eights.length &&
      eights
        .map((r) => `${BACKFILL_SHAPES[r.shape].title} ${fixed(r.f.percentRateLimited, 1)}%`)
        .join(', '),
    eights.length ? limited.length === 0 : undefined,
  );
  const paired = eights.filter((r) => r.one);
  const heavy = paired.filter((r) => r.f.peakRssMb - r.one.figures.peakRssMb > 50);
  add(
    'Backfill: peak RSS with 8 cursors within 50 MB of one cursor, every shape',
    paired.length &&
      paired
        .map(
          (r) =>
            `${BACKFILL_SHAPES[r.shape].title} ${fixed(r.f.peakRssMb, 1)} vs ${fixed(r.one.figures.peakRssMb, 1)} MB`,
        )
        .join(', '),
    paired.length ? heavy.length === 0 : undefined,
  );
  const wasteful = paired.filter((r) => r.f.requests > 1.3 * r.one.figures.requests);
  add(
    'Backfill: 8 cursors make <= 1.3x the requests of one cursor, every shape',
    paired.length &&
      paired
        .map(
          (r) =>
            `${BACKFILL_SHAPES[r.shape].title} ${fixed(r.f.requests / r.one.figures.requests, 2)}x`,
        )
        .join(', '),
    paired.length ? wasteful.length === 0 : undefined,
  );
}
