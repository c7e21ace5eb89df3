import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.join(__dirname, '..');
const built =
  existsSync(path.join(root, 'dist', 'index.js')) &&
  existsSync(path.join(root, 'dist', 'index.mjs'));

const EXPORTS = [
  'AbortError',
  'ArgumentError',
  'Auth0LogToolsError',
  'DEFAULTS',
  'ERROR_BRAND',
  'FileStorage',
  'HandlerError',
  'InvalidResponseError',
  'LogsApiClient',
  'LogsApiStream',
  'LogsProcessor',
  'ManagementApiError',
  'MemoryTokenCache',
  'StorageError',
  'TokenRequestError',
  'isAbortError',
  'isArgumentError',
  'isAuth0LogToolsError',
  'isHandlerError',
  'isInvalidResponseError',
  'isManagementApiError',
  'isPermanentError',
  'isStorageError',
  'isTokenRequestError',
  'logTypes',
  'reporters',
];

function node(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
}

const probe = `
  const summary = (m) => ({
    keys: Object.keys(m).sort(),
    processor: typeof m.LogsProcessor,
    slack: typeof m.reporters.SlackReporter,
    get: m.logTypes.get('s'),
    batchSize: m.DEFAULTS.batchSize,
    argumentError: new m.ArgumentError('x', 'y') instanceof m.Auth0LogToolsError,
    classNames: [m.LogsApiClient, m.LogsApiStream, m.LogsProcessor, m.reporters.SlackReporter].map(
      (c) => c.name,
    ),
  });
`;

(built ? describe : describe.skip)('the built package', () => {
  it('loads with require() and with import, exporting the same names', () => {
    const cjs = JSON.parse(
      node(['-e', `${probe} console.log(JSON.stringify(summary(require('auth0-log-tools'))))`]),
    ) as { keys: string[] };
    const esm = JSON.parse(
      node([
        '--input-type=module',
        '-e',
        `${probe} import * as m from 'auth0-log-tools'; console.log(JSON.stringify(summary(m)))`,
      ]),
    ) as { keys: string[] };
    expect(esm).toEqual(cjs);
    expect(cjs.keys).toEqual(expect.arrayContaining(EXPORTS));
    expect(cjs).toMatchObject({
      processor: 'function',
      slack: 'function',
      get: 'Success Login',
      batchSize: 100,
      argumentError: true,
      classNames: ['LogsApiClient', 'LogsApiStream', 'LogsProcessor', 'SlackReporter'],
    });
  });

  it('serves the testing entry point with both loaders', () => {
    const names =
      "['startFakeTenant','playLogStream','FAKE_TENANT_SHAPES','LOG_STREAM_DEFAULTS'].map((n) => typeof m[n]).join(',')";
    const cjs = node(['-e', `const m = require('auth0-log-tools/testing'); console.log(${names})`]);
    const esm = node([
      '--input-type=module',
      '-e',
      `import * as m from 'auth0-log-tools/testing'; console.log(${names})`,
    ]);
    expect([cjs.trim(), esm.trim()]).toEqual(Array(2).fill('function,function,object,object'));
  });

  it('serves the cluster entry point with both loaders, its peer dependencies loaded only when used', () => {
    const names =
      "['startClusterWorker','RedisStorage','PostgresStorage','parseServeConfig','createClusterMetrics','serveMetrics'].map((n) => typeof m[n]).join(',')";
    const cjs = node(['-e', `const m = require('auth0-log-tools/cluster'); console.log(${names})`]);
    const esm = node([
      '--input-type=module',
      '-e',
      `import * as m from 'auth0-log-tools/cluster'; console.log(${names})`,
    ]);
    expect([cjs.trim(), esm.trim()]).toEqual([
      'function,function,function,function,function,function',
      'function,function,function,function,function,function',
    ]);
    // the main entry and the cluster entry load none of bullmq, ioredis, pg, prom-client
    const loaded = node([
      '-e',
      "require('auth0-log-tools'); require('auth0-log-tools/cluster'); console.log(Object.keys(require.cache).filter((f) => /node_modules[\\/](bullmq|ioredis|pg|prom-client)[\\/]/.test(f)).length)",
    ]);
    expect(loaded.trim()).toBe('0');
  });

  it('ships type declarations for both formats', () => {
    for (const file of [
      'index.d.ts',
      'index.d.mts',
      'testing/index.d.ts',
      'testing/index.d.mts',
      'cluster/index.d.ts',
      'cluster/index.d.mts',
    ]) {
      expect(existsSync(path.join(root, 'dist', file))).toBe(true);
    }
  });

  it('shares one core between the entry points: an error from /testing is the main entry class', () => {
    const probeTesting = (load: string) => `
      ${load}
      startFakeTenant({ clientId: '' }).catch((e) => console.log(JSON.stringify({
        sameClass: Object.getPrototypeOf(e) === m.ArgumentError.prototype,
        instance: e instanceof m.ArgumentError,
        option: e.option,
      })));
    `;
    const cjs = node([
      '-e',
      probeTesting(
        "const m = require('auth0-log-tools'); const { startFakeTenant } = require('auth0-log-tools/testing');",
      ),
    ]);
    const esm = node([
      '--input-type=module',
      '-e',
      probeTesting(
        "import * as m from 'auth0-log-tools'; import { startFakeTenant } from 'auth0-log-tools/testing';",
      ),
    ]);
    for (const out of [cjs, esm]) {
      expect(JSON.parse(out)).toEqual({ sameClass: true, instance: true, option: 'clientId' });
    }
  });

  it('keeps instanceof across copies of the package (the CommonJS and ES module builds)', () => {
    const out = node([
      '--input-type=module',
      '-e',
      `import { createRequire } from 'node:module';
       import * as esm from 'auth0-log-tools';
       const cjs = createRequire(process.cwd() + '/package.json')('auth0-log-tools');
       const token = new esm.TokenRequestError('unauthorized', 'Invalid credentials');
       console.log(JSON.stringify({
         copies: cjs.ArgumentError !== esm.ArgumentError,
         token: token instanceof cjs.TokenRequestError,
         api: token instanceof cjs.ManagementApiError,
         guard: cjs.isTokenRequestError(token),
         notArgument: token instanceof cjs.ArgumentError,
         name: token.name,
       }));`,
    ]);
    expect(JSON.parse(out)).toEqual({
      copies: true,
      token: true,
      api: true,
      guard: true,
      notArgument: false,
      name: 'ManagementApiError',
    });
  });

  it('publishes no source maps and no ES module CLI', () => {
    const [pack] = JSON.parse(
      execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
        cwd: root,
        encoding: 'utf8',
      }),
    ) as Array<{ files: Array<{ path: string }>; unpackedSize: number }>;
    const files = pack?.files.map((f) => f.path) ?? [];
    expect(files).toEqual(expect.arrayContaining(['dist/index.js', 'dist/cli/main.js']));
    expect(files.filter((f) => f.endsWith('.map') || f === 'dist/cli/main.mjs')).toEqual([]);
    // 1.8 MB before, for the three layers alone: every entry bundled its own core, with source maps
    // embedding the sources. With the destinations and the cluster added it was 1,199,862 bytes;
    // issues 21-23 (shaping, a date range, tail, receive, the watched ship --follow, errors that say
    // what to do), several destinations, S3 objects and work-stealing backfill add about 0.35 MB
    // (sources, their types twice, doc comments): it stays under 1.65 MB.
    expect(pack?.unpackedSize).toBeLessThan(1_650_000);
    // One core: the client class is defined in exactly one CommonJS file.
    const cjs = files.filter((f) => f.endsWith('.js'));
    const defining = cjs.filter((f) =>
      readFileSync(path.join(root, f), 'utf8').includes('class LogsApiClient'),
    );
    expect(defining).toEqual(['dist/client.js']);
  });
});
