import { execFile } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { getLogType, typesAtLevel } from '../src/log-types';
import { startFakeTenant } from '../src/testing';

// The README's library examples run as written, against the built package (npm test builds it).
const root = path.join(__dirname, '..');
const built = existsSync(path.join(root, 'dist', 'index.js'));
const run = promisify(execFile);

async function codeBlock(after: string, fence: string): Promise<string> {
  const readme = await fs.readFile(path.join(root, 'README.md'), 'utf8');
  const start = readme.indexOf(`\`\`\`${fence}\n`, readme.indexOf(after));
  const body = readme.slice(start + fence.length + 4, readme.indexOf('\n```', start));
  expect(start).toBeGreaterThan(-1);
  return body;
}

(built ? describe : describe.skip)('README examples', () => {
  // inside the package folder, so that `auth0-log-tools` resolves to this package by its name
  const scratch = path.join(root, 'test', 'support', '.readme');

  beforeAll(() => fs.mkdir(scratch, { recursive: true }));
  afterAll(() => fs.rm(scratch, { recursive: true, force: true }));

  it('the LogsProcessor example (CommonJS) ships a tenant', async () => {
    const tenant = await startFakeTenant({ logs: 1200 });
    try {
      const code = (await codeBlock('## Layer 3: `LogsProcessor`', 'js')).replace(
        '/var/lib/auth0-logs/state.json',
        path.join(scratch, 'state.json'),
      );
      const file = path.join(scratch, 'processor.cjs');
      await fs.writeFile(file, code);
      await fs.writeFile(path.join(scratch, 'ca.pem'), tenant.ca);
      const { stdout } = await run(process.execPath, [file], {
        env: {
          PATH: process.env.PATH,
          NODE_EXTRA_CA_CERTS: path.join(scratch, 'ca.pem'),
          AUTH0_DOMAIN: tenant.domain,
          AUTH0_CLIENT_ID: tenant.clientId,
          AUTH0_CLIENT_SECRET: tenant.clientSecret,
        },
      });
      const lines = stdout.trim().split('\n');
      const last = lines.pop();
      // the example's logLevel: 2; a type the catalog does not know is never dropped by the level
      const warnings = new Set(typesAtLevel(2));
      const expected = Array.from({ length: 1200 }, (_, k) => tenant.logAt(k)).filter(
        (log) => warnings.has(log.type) || getLogType(log.type) === undefined,
      ).length;
      expect(expected).toBeGreaterThan(0);
      expect(
        lines.reduce((sum, line) => sum + Number(/^shipping (\d+) logs$/.exec(line)?.[1]), 0),
      ).toBe(expected);
      // stopReason is set by the processor (it reads `undefined` from one that does not set it yet)
      expect(last).toMatch(
        new RegExp(`^stopped \\(\\w+\\) at checkpoint ${tenant.logIdAt(1199)}$`),
      );
    } finally {
      await tenant.close();
    }
  });

  it('the testing example (ESM) defines what it uses and runs', async () => {
    const file = path.join(scratch, 'testing.mjs');
    await fs.writeFile(file, await codeBlock('## Testing your own shipping code', 'js'));
    const { stdout } = await run(process.execPath, [file], { env: { PATH: process.env.PATH } });
    const [counts, same] = stdout.trim().split('\n');
    const [processed, shipped, requests] = (counts ?? '').split(' ').map(Number);
    expect(processed).toBe(5000);
    expect(shipped).toBe(5000);
    expect(requests).toBeGreaterThanOrEqual(50);
    expect(same).toBe('true');
  });
});
