import { promises as fs } from 'node:fs';
import path from 'node:path';
import { runShip } from '../../../src/cli/ship/command';
import { secretDigest } from '../../../src/auth0/token-provider';
import { startFakeTenant, type FakeTenant } from '../../../src/testing';
import { captureIo, ndjsonIds, tempDir } from '../../support/cli';

let dir: string;
let tenant: FakeTenant;
let caFile: string;

beforeEach(async () => {
  dir = await tempDir();
  tenant = await startFakeTenant({ logs: 150, seed: 19 });
  caFile = path.join(dir, 'ca.pem');
  await fs.writeFile(caFile, tenant.ca);
});

afterEach(async () => {
  await tenant.close();
  await fs.rm(dir, { recursive: true, force: true });
});

async function ship(state: string, secret: string) {
  const env = {
    AUTH0_DOMAIN: tenant.domain,
    AUTH0_CLIENT_ID: tenant.clientId,
    AUTH0_CLIENT_SECRET: secret,
  };
  const { io, stdout, stderr } = captureIo({ env });
  const code = await runShip(['--ca-file', caFile, '--state', state, '--quiet'], io);
  return { code, shipped: ndjsonIds(stdout()).length, stderr: stderr() };
}

describe('ship: the cached token is keyed by the client secret (issue 19, input 6)', () => {
  it('a wrong secret after a cached token fails with the credentials error, shipping nothing', async () => {
    const state = path.join(dir, 'state.json');
    const first = await ship(state, tenant.clientSecret);
    expect(first).toMatchObject({ code: 0, shipped: 150 });
    expect(tenant.stats().tokenRequests).toBe(1);

    tenant.addLogs(40);
    const wrong = 'a-wrong-or-rotated-secret-5f1e2d';
    const refused = await ship(state, wrong);
    // before: exit 0 and 40 logs shipped on the token cached with the right secret
    expect(refused.code).toBe(1);
    expect(refused.shipped).toBe(0);
    expect(refused.stderr).toContain('Invalid credentials');
    expect(refused.stderr).not.toContain(wrong);
    expect(tenant.stats().tokenRequests).toBe(2);

    // the stored token names its secret only by a digest
    const stored = await fs.readFile(state, 'utf8');
    expect(stored).not.toContain(tenant.clientSecret);
    const token = (JSON.parse(stored) as { logs_access_token: Record<string, unknown> })
      .logs_access_token;
    expect(token.secretDigest).toBe(
      secretDigest({ domain: tenant.domain, clientId: tenant.clientId }, tenant.clientSecret),
    );
  });

  it('the right secret still reuses the cached token: 1 token request over two runs', async () => {
    const state = path.join(dir, 'state.json');
    expect(await ship(state, tenant.clientSecret)).toMatchObject({ code: 0, shipped: 150 });
    tenant.addLogs(25);
    expect(await ship(state, tenant.clientSecret)).toMatchObject({ code: 0, shipped: 25 });
    expect(tenant.stats().tokenRequests).toBe(1);
  });
});
