// Runs the mocha suite that auth0-log-extension-tools ships (tests/, mocha + chai + nock against
// https://foo.auth0.local) against this package's build: each `require('../../src/<layer>')` of the
// suite resolves to the matching export of dist/index.js. The storage tests keep the original's own
// storage module, which is internal to it. node_modules is never modified: the suite is copied to
// a temporary folder beside small shim modules.
//
//   node scripts/test-original.mjs              against dist/ (run `npm run build` first)
//   node scripts/test-original.mjs --original   against the original package itself (the baseline)
//   ... --grep <pattern> [--invert]              only the tests whose title matches (or does not)
//
// Prints each failure, then `test:original: N passed, N failed` on its own line. Exits 1 when a test
// fails that README.md does not list as a known difference, so the list cannot go stale silently.
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import Module, { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const requireHere = createRequire(join(root, 'package.json'));
const original = dirname(requireHere.resolve('auth0-log-extension-tools/package.json'));
const againstOriginal = process.argv.includes('--original');
const dist = join(root, 'dist', 'index.js');

if (!againstOriginal && !existsSync(dist)) {
  console.error('test:original: dist/index.js is missing; run `npm run build` first');
  process.exit(2);
}

// The original's layers as its tests require them, and where each comes from in this package.
const layers = {
  client: 'LogsApiClient',
  stream: 'LogsApiStream',
  processor: 'LogsProcessor',
  logTypes: 'logTypes',
  'reporters/slack': 'reporters.SlackReporter',
};

const work = mkdtempSync(join(tmpdir(), 'test-original-'));
const tests = join(work, 'tests');
cpSync(join(original, 'tests'), tests, { recursive: true });
for (const [layer, name] of Object.entries(layers)) {
  const from = againstOriginal
    ? `require(${JSON.stringify(join(original, 'src', layer))})`
    : `require(${JSON.stringify(dist)}).${name}`;
  const file = join(work, 'src', `${layer}.js`);
  cpSync(join(original, 'src', `${layer}.js`), file); // creates the folders; overwritten below
  writeFileSync(file, `module.exports = ${from};\n`);
}
writeFileSync(
  join(work, 'src', 'storage.js'),
  `module.exports = require(${JSON.stringify(join(original, 'src', 'storage'))});\n`,
);

// The suite's bare requires (chai, nock, lodash, auth0-extension-tools...) resolve from this
// project; `nock` is nock 13, the newest that the suite's `.delay()` and query matchers work with.
const aliases = { nock: 'nock13' };
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  const bare = !request.startsWith('.') && !request.startsWith('/') && !request.startsWith('node:');
  if (bare && parent?.filename?.startsWith(work + sep) && !Module.isBuiltin(request)) {
    return requireHere.resolve(aliases[request] ?? request);
  }
  return resolveFilename.call(this, request, parent, ...rest);
};

process.env.NODE_ENV = 'test';
const Mocha = requireHere('mocha');
const grepAt = process.argv.indexOf('--grep');
const mocha = new Mocha({
  reporter: 'dot',
  timeout: 10000,
  ...(grepAt > 0
    ? { grep: process.argv[grepAt + 1], invert: process.argv.includes('--invert') }
    : {}),
});
// Each test starts without the interceptors an earlier test left unused (the stream tests never
// clean up): one failing test must not fail the next. On the original every interceptor is used.
const nock = requireHere('nock13');
mocha.suite.afterEach(() => nock.cleanAll());
const libDir = join(tests, 'lib');
for (const file of readdirSync(libDir).sort()) {
  if (file.endsWith('.tests.js')) mocha.addFile(join(libDir, file));
}

const failures = [];
let passed = 0;
const runner = mocha.run();
runner.on('pass', () => passed++);
runner.on('fail', (test, error) => {
  failures.push({
    title: test.fullTitle(),
    message: String(error?.message ?? error).split('\n')[0],
  });
});
runner.on('end', () => {
  rmSync(work, { recursive: true, force: true });
  console.log('');
  for (const { title, message } of failures) console.log(`FAIL ${title}\n     ${message}`);
  const known = againstOriginal ? new Set() : knownDifferences();
  const unexpected = failures.filter(({ title }) => !known.has(title));
  if (!againstOriginal && grepAt < 0) {
    console.log(
      `\n${failures.length - unexpected.length} of the failures are listed in README.md as known differences; ${unexpected.length} are not.`,
    );
    for (const name of known) {
      if (!failures.some(({ title }) => title === name)) {
        console.log(`listed in README.md but passes now: ${name}`);
      }
    }
  }
  console.log(`test:original: ${passed} passed, ${failures.length} failed`);
  process.exitCode = unexpected.length > 0 ? 1 : 0;
});

/** Test titles listed in README.md's "The original's own test suite" table, first column. */
function knownDifferences() {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const start = readme.indexOf('<!-- test-original:start -->');
  const end = readme.indexOf('<!-- test-original:end -->');
  if (start < 0 || end < 0) return new Set();
  const titles = new Set();
  for (const line of readme.slice(start, end).split('\n')) {
    const match = /^\|\s*`([^`]+)`\s*\|/.exec(line);
    if (match) titles.add(match[1]);
  }
  return titles;
}
