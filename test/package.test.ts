import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
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
    });
  });

  it('serves the testing entry point with both loaders', () => {
    const cjs = node([
      '-e',
      "console.log(typeof require('auth0-log-tools/testing').startFakeTenant)",
    ]).trim();
    const esm = node([
      '--input-type=module',
      '-e',
      "import { startFakeTenant } from 'auth0-log-tools/testing'; console.log(typeof startFakeTenant)",
    ]).trim();
    expect([cjs, esm]).toEqual(['function', 'function']);
  });

  it('ships type declarations for both formats', () => {
    for (const file of ['index.d.ts', 'index.d.mts', 'testing/index.d.ts', 'testing/index.d.mts']) {
      expect(existsSync(path.join(root, 'dist', file))).toBe(true);
    }
  });
});
