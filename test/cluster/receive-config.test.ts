import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseServeConfig } from '../../src/cluster/config';
import { clusterTenant } from '../../src/cluster/tenants';

const TOKEN = 'Bearer stream-token-never-shown-42';
const env = { ACME_STREAM_TOKEN: TOKEN, BETA_STREAM_TOKEN: 'Bearer beta-token-0099' };

function tenant(id: string, receive?: Record<string, unknown>) {
  return {
    id,
    domain: `${id}.eu.auth0.com`,
    clientId: 'client',
    clientSecret: 'secret',
    post: { url: `https://collector.example/${id}` },
    ...(receive ? { receive } : {}),
  };
}

function config(receive: Record<string, unknown> | undefined, tenants: unknown[]) {
  return {
    redis: 'redis://127.0.0.1:6379',
    ...(receive ? { receive } : {}),
    tenants,
  };
}

function problems(raw: unknown, baseDir?: string): string {
  try {
    parseServeConfig(raw, env, baseDir);
  } catch (error) {
    const message = (error as Error).message;
    expect(message).not.toContain('stream-token-never-shown');
    expect(message).not.toContain('beta-token');
    return message;
  }
  throw new Error('the configuration was accepted');
}

describe('serve configuration: receive', () => {
  it('reads the listener and each tenant path, the token from its environment variable', () => {
    const parsed = parseServeConfig(
      config({ listen: '127.0.0.1:8080', reconcileSettleSeconds: 120, bodyLimit: 4096 }, [
        tenant('acme', { path: '/acme', tokenEnv: 'ACME_STREAM_TOKEN' }),
        tenant('beta', { path: '/beta', tokenEnv: 'BETA_STREAM_TOKEN' }),
        tenant('gamma'),
      ]),
      env,
    );
    expect(parsed.receive).toEqual({
      host: '127.0.0.1',
      port: 8080,
      settleSeconds: 120,
      bodyLimit: 4096,
    });
    expect(parsed.tenants.map((t) => t.receive)).toEqual([
      { path: '/acme', token: TOKEN },
      { path: '/beta', token: 'Bearer beta-token-0099' },
      undefined,
    ]);
    expect(clusterTenant(parsed.tenants[0] as (typeof parsed.tenants)[0], env).receive).toEqual({
      path: '/acme',
      token: TOKEN,
    });
  });

  it('names each problem by its key: TLS off loopback, paths, the token variable, a near key', () => {
    const message = problems(
      config({ listen: '0.0.0.0:8443', reconcileSettleSecond: 5 }, [
        tenant('acme', { path: '/acme', tokenEnv: 'UNSET_TOKEN' }),
        tenant('beta', { path: '/acme' }),
        tenant('gamma', { path: 'gamma', tokenenv: 'X' }),
        tenant('delta', { path: '/healthz', tokenEnv: 'BETA_STREAM_TOKEN' }),
      ]),
    );
    expect(message).toContain(
      'receive.reconcileSettleSecond: unknown key; did you mean `reconcileSettleSeconds`?',
    );
    expect(message).toContain(
      'tenants[2].receive.tokenenv (tenant "gamma"): unknown key; did you mean `tokenEnv`?',
    );
    expect(message).toContain('tenants[2].receive.path (tenant "gamma"): must start with /');
    const fixed = problems(
      config({ listen: '0.0.0.0:8443' }, [
        tenant('acme', { path: '/acme', tokenEnv: 'UNSET_TOKEN' }),
        tenant('beta', { path: '/acme' }),
        tenant('delta', { path: '/healthz', tokenEnv: 'BETA_STREAM_TOKEN' }),
      ]),
    );
    expect(fixed).toContain(
      'receive.listen: 0.0.0.0 is reachable from other machines: Auth0 posts over HTTPS only, so give tlsCert and tlsKey, or behindTlsProxy: true',
    );
    expect(fixed).toContain(
      'tenants[0].receive.tokenEnv (tenant "acme"): the environment variable UNSET_TOKEN is not set',
    );
    expect(fixed).toContain(
      'tenants[1].receive.path (tenant "beta"): /acme is tenant "acme"\'s path too',
    );
    expect(fixed).toContain(
      'tenants[1].receive.tokenEnv (tenant "beta"): missing: name the environment variable',
    );
    expect(fixed).toContain(
      'tenants[2].receive.path (tenant "delta"): /healthz is the listener\'s own',
    );
  });

  it('needs the listener for a tenant receive, a tenant for the listener, a good address and PEM files', () => {
    expect(problems(config(undefined, [tenant('acme', { path: '/acme' })]))).toContain(
      'tenants[0].receive (tenant "acme"): needs the top-level receive',
    );
    expect(problems(config({ listen: '127.0.0.1:8080' }, [tenant('acme')]))).toContain(
      'receive: no tenant has a receive block',
    );
    expect(problems(config({ listen: '127.0.0.1' }, [tenant('acme', { path: '/a' })]))).toContain(
      'receive.listen: must be <host>:<port>',
    );
    const dir = mkdtempSync(path.join(os.tmpdir(), 'serve-receive-config-'));
    writeFileSync(path.join(dir, 'cert.pem'), 'not pem');
    const tls = problems(
      config({ listen: '0.0.0.0:8443', tlsCert: 'cert.pem', behindTlsProxy: true }, [
        tenant('acme', { path: '/a', tokenEnv: 'ACME_STREAM_TOKEN' }),
      ]),
      dir,
    );
    expect(tls).toContain('receive.tlsCert: cert.pem does not hold PEM');
    expect(tls).toContain('receive: give tlsCert and tlsKey together');
    expect(tls).toContain('receive: give tlsCert/tlsKey or behindTlsProxy, not both');
    expect(
      problems(
        config({ listen: '0.0.0.0:8443', tlsCert: 'no.pem', tlsKey: 'cert.pem' }, [
          tenant('acme', { path: '/a', tokenEnv: 'ACME_STREAM_TOKEN' }),
        ]),
        dir,
      ),
    ).toContain('receive.tlsCert: cannot read no.pem (ENOENT)');
    // what the processor changes would not hold for the stream's logs
    const changed = problems(
      config({ listen: '127.0.0.1:8080' }, [
        { ...tenant('acme', { path: '/a' }), pii: ['ip'], logTypes: ['s'] },
      ]),
    );
    expect(changed).toContain('tenants[0].logTypes (tenant "acme"): cannot go with receive');
    expect(changed).toContain('tenants[0].pii (tenant "acme"): cannot go with receive');
    // behind a proxy that terminates TLS, with the token: accepted
    const proxied = parseServeConfig(
      config({ listen: '0.0.0.0:8080', behindTlsProxy: true, retentionDays: 7 }, [
        tenant('acme', { path: '/a', tokenEnv: 'ACME_STREAM_TOKEN' }),
      ]),
      env,
    );
    expect(proxied.receive).toMatchObject({ host: '0.0.0.0', port: 8080, retentionDays: 7 });
  });
});
