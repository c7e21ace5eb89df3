import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const root = path.join(__dirname, '..', '..');
const built =
  existsSync(path.join(root, 'dist', 'index.js')) &&
  existsSync(path.join(root, 'dist', 'index.mjs'));

function node(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
}

// Loading the package, and building an S3 handler, must not need the optional AWS SDK.
const withoutSdk = `
  const Module = require('node:module');
  const load = Module._load;
  Module._load = function (request, ...rest) {
    if (request.startsWith('@aws-sdk/')) throw new Error('loaded ' + request);
    return load.call(this, request, ...rest);
  };
`;

(built ? describe : describe.skip)('the built package: destinations', () => {
  it('exports the destinations with require() and import, without loading the AWS SDK', () => {
    const names = "Object.keys(m.destinations).sort().join(',')";
    const cjs = node([
      '-e',
      `${withoutSdk} const m = require('auth0-log-tools'); m.destinations.s3({ bucket: 'b-1', tenant: 't' }); console.log(${names})`,
    ]).trim();
    const esm = node([
      '--input-type=module',
      '-e',
      `import * as m from 'auth0-log-tools'; console.log(${names})`,
    ]).trim();
    expect(esm).toBe(cjs);
    expect(cjs.split(',')).toEqual(
      expect.arrayContaining([
        'splunk',
        'datadog',
        'elastic',
        's3',
        'createDestination',
        'DestinationError',
      ]),
    );
  });
});
