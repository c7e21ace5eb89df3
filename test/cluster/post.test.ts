import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseServeConfig } from '../../src/cluster/config';
import { clusterTenant } from '../../src/cluster/tenants';
import { FAKE_TENANT_CA } from '../../src/testing/tls-fixture';
import type { LogEvent } from '../../src/types';
import { startHttpsServer, type LocalServer } from '../support/https-server';

const PASSWORD = 'collector-pw-that-must-not-leak';
const logs: LogEvent[] = [{ log_id: '1', date: '2026-01-01T00:00:00.000Z', type: 's' }];
let collector: LocalServer;
const seen: Array<{ authorization: string | undefined; count: number }> = [];
let answer = 200;

beforeAll(async () => {
  collector = await startHttpsServer((request, response, body) => {
    seen.push({
      authorization: request.headers.authorization,
      count: (JSON.parse(body) as unknown[]).length,
    });
    response.writeHead(answer).end(answer === 200 ? 'ok' : `denied ${PASSWORD}`);
  });
});
afterAll(() => collector.close());

/** A serve configuration of one tenant posting to `url`, its `ca` the collector's CA. */
function tenantWith(post: Record<string, unknown>) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'serve-post-'));
  writeFileSync(path.join(dir, 'ca.pem'), FAKE_TENANT_CA);
  const config = parseServeConfig(
    {
      redis: 'redis://127.0.0.1:6379',
      tenants: [
        {
          id: 'acme',
          domain: 'acme.eu.auth0.com',
          clientId: 'client',
          clientSecret: 'secret-of-the-client',
          ca: 'ca.pem',
          post,
        },
      ],
    },
    {},
    dir,
  );
  return config.tenants[0]!;
}

describe("a serve tenant's post behaves as ship --post", () => {
  it('sends the URL credentials as a Basic header, trusting the tenant ca', async () => {
    seen.length = 0;
    answer = 200;
    const tenant = clusterTenant(
      tenantWith({ url: `https://shipper:${PASSWORD}@${collector.domain}/in` }),
    );
    await tenant.handler(logs);
    await tenant.close?.();
    expect(seen).toEqual([
      {
        authorization: `Basic ${Buffer.from(`shipper:${PASSWORD}`).toString('base64')}`,
        count: 1,
      },
    ]);
  });

  it('names the URL credentials when refused, never the password', async () => {
    answer = 401;
    const tenant = clusterTenant(
      tenantWith({ url: `https://shipper:${PASSWORD}@${collector.domain}/in` }),
    );
    const failure = await tenant.handler(logs).catch((error: Error) => error);
    await tenant.close?.();
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toContain('answered 401');
    // the configuration's key, not the CLI's flag (before: 'the --post URL', a flag serve has not)
    expect((failure as Error).message).toMatch(
      /\(check the user:password in the tenants\S*post\.url\)/,
    );
    expect((failure as Error).message).not.toContain('--post');
    expect(JSON.stringify(failure)).not.toContain(PASSWORD);
    expect((failure as Error).message).not.toContain(PASSWORD);
  });

  it('refuses an Authorization header given besides URL credentials', () => {
    expect(() =>
      clusterTenant(
        tenantWith({
          url: `https://shipper:${PASSWORD}@${collector.domain}/in`,
          headers: { Authorization: 'Bearer x' },
        }),
      ),
    ).toThrow(
      'Pass the credentials of tenants.acme.post.url either in its URL (user:password@) or in an Authorization header, not both (tenants.acme.post.headers)',
    );
  });

  it('refuses plain http to a host that is not this machine unless allowInsecureHttp', () => {
    expect(() => clusterTenant(tenantWith({ url: 'http://collector.example/in' }))).toThrow(
      '`tenants.acme.post.url` is plain http to collector.example, which is not a loopback address: use https, or set `tenants.acme.post.allowInsecureHttp`',
    );
    expect(() =>
      clusterTenant(tenantWith({ url: 'http://collector.example/in', allowInsecureHttp: true })),
    ).not.toThrow();
    expect(() => clusterTenant(tenantWith({ url: 'http://127.0.0.1:9/in' }))).not.toThrow();
  });
});
