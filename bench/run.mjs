// `npm run bench`: the throughput benchmark. Runs this library (dist/) and
// auth0-log-extension-tools@1.3.10 side by side against the local fake tenant over HTTPS, each
// library x scenario in its own child process with a fresh tenant, and prints a Markdown table,
// the check list of the targets, and bench/results.json. Figures, not assertions: the exit
// code is non-zero only when a run crashed. `node bench/run.mjs --help` lists the flags.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, USAGE } from './args.mjs';
import { CHILD_EXEC_ARGV, measure } from './measure.mjs';
import { backfillTable, checkList, checks, figures, floorLines, label, table } from './report.mjs';
import { BACKFILL_SHAPES, plan, SCENARIOS } from './scenarios.mjs';

const require = createRequire(import.meta.url);
const HERE = path.dirname(fileURLToPath(import.meta.url));

function loadTesting() {
  try {
    return require('../dist/testing/index.js');
  } catch (error) {
    throw new Error(`Cannot load dist/testing (run \`npm run build\` first): ${error.message}`);
  }
}

const round = (value, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

function progressLine(r) {
  const f = r.figures;
  const who = `scenario ${r.scenario} ${label(r)}`;
  if (f.failed) return `  ${who}: FAILED ${f.failed.split('\n')[0]}`;
  const errors = r.child.runErrors ? `, ${r.child.runErrors} run errors` : '';
  return (
    `  ${who}: ${f.delivered}/${r.logs} logs in ${round(f.seconds)} s = ${Math.round(f.logsPerSecond)} logs/s ` +
    `(${Math.round(f.percentOfLimit)}% of ${r.limit}${f.percentOfFloor === undefined ? '' : `, ${Math.round(f.percentOfFloor)}% of the floor`}), ${f.requests} requests (${round(f.requestsPerSecond)}/s), ` +
    `${f.connections} connections, ${f.rateLimited} 429s, ${f.runs} runs${errors}`
  );
}

function heapAfterGc(gc) {
  if (!gc?.count) return 'no major GC';
  return `heap after ${gc.count} major GCs: first ${round(gc.first)}, last ${round(gc.last)}, max ${round(gc.max)} MB`;
}

function details(results, skipped) {
  const lines = [];
  for (const id of [...new Set(results.map((r) => r.scenario))]) {
    lines.push(`- Scenario ${id}, ${SCENARIOS[id].title}: ${SCENARIOS[id].description}.`);
  }
  for (const shape of [...new Set(results.map((r) => r.shape).filter(Boolean))]) {
    const { title, description } = BACKFILL_SHAPES[shape];
    lines.push(`- Backfill shape ${title} (\`--shapes ${shape}\`): ${description}.`);
  }
  for (const r of results) {
    const f = r.figures;
    if (f.failed || !r.child.ok) {
      lines.push(`- Scenario ${r.scenario}, ${label(r)}: failed: ${f.failed}`);
      continue;
    }
    const parts = [
      ...(r.note ? [r.note] : []),
      `${round(f.seconds)} s`,
      `${f.runs} run(s)`,
      `${round(f.requestsPerSecond)} requests/s`,
      `${f.tokenRequests} token requests`,
      `at most ${f.maxConcurrentRequests} requests at once`,
      `peak heap ${round(f.peakHeapUsedMb)} MB`,
      heapAfterGc(f.heapAfterMajorGcMb),
      `peak RSS per quarter of the logs ${f.rssByQuarterMb.map((mb) => round(mb)).join(' / ')} MB`,
      `out-of-order logs ${r.child.tally.outOfOrder}`,
    ];
    if (r.child.runErrors) {
      const first = r.child.errors[0];
      parts.push(
        `${r.child.runErrors} runs ended with an error (most often: "${first.message}" x${first.count})`,
      );
    }
    if (!f.complete) {
      parts.push(
        `did not finish: ${f.missing} logs not shipped when it stopped (cap ${r.maxSeconds} s)`,
      );
    }
    if (r.child.warnings.length) parts.push(`warning: "${r.child.warnings[0].message}"`);
    if (r.child.skippedLogs) parts.push(`${r.child.skippedLogs} logs skipped`);
    lines.push(`- Scenario ${r.scenario}, ${label(r)}: ${parts.join('; ')}.`);
  }
  if (floorLines(results)) lines.push(floorLines(results));
  for (const s of skipped) lines.push(`- Scenario ${s.scenario}, ${s.library}: ${s.reason}.`);
  return lines.join('\n');
}

async function writeJson(file, data) {
  let text = `${JSON.stringify(data, null, 2)}\n`;
  try {
    const prettier = await import('prettier');
    const config = (await prettier.resolveConfig(file)) ?? {};
    text = await prettier.format(text, { ...config, filepath: file });
  } catch {
    // Unformatted JSON is still JSON.
  }
  writeFileSync(file, text);
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (options.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const { startFakeTenant, FAKE_TENANT_CA } = loadTesting();
  const { runs, skipped } = plan(options);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'auth0-log-tools-bench-'));
  const caFile = path.join(dir, 'tenant-ca.pem');
  writeFileSync(caFile, FAKE_TENANT_CA);
  const machine = `${os.cpus().length} CPUs (${os.cpus()[0]?.model.trim() ?? 'unknown'}), Node ${process.version}, ${os.platform()}`;
  console.error(`Benchmark on ${machine}: ${runs.length} measurements`);
  const results = [];
  try {
    for (const entry of runs) {
      console.error(
        `- scenario ${entry.scenario} (${entry.title}), ${label(entry)}, ${entry.logs} logs...`,
      );
      const result = await measure(entry, { startFakeTenant, caFile });
      result.figures = figures(result);
      results.push(result);
      console.error(progressLine(result));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const list = checks(results);
  const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  const output = [
    '',
    `Measured with \`${command}\` on ${machine}. Batch size 100; the limit is 100 logs per response time (or the rate limit); the floor (scenarios 1 and 6) is the least time any client needs against that tenant. Every child runs with \`${CHILD_EXEC_ARGV.join(' ')}\`.`,
    '',
    table(results),
    '',
    ...(backfillTable(results) ? [backfillTable(results), ''] : []),
    details(results, skipped),
    '',
    'Targets:',
    '',
    checkList(list),
    '',
  ].join('\n');
  process.stdout.write(output);

  const file = options.json ?? path.join(HERE, 'results.json');
  await writeJson(file, {
    date: new Date().toISOString(),
    command,
    machine,
    results: results.map(({ child, ...rest }) => ({ ...rest, child })),
    skipped,
    checks: list,
  });
  console.error(`Results written to ${path.relative(process.cwd(), file) || file}`);
  return results.some((r) => r.figures.failed) ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  },
);
