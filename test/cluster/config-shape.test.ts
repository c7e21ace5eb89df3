import { inspect } from 'node:util';
import { parseServeConfig } from '../../src/cluster/config';
import { tenantProcessorOptions } from '../../src/cluster/tenant-options';
import { resolveProcessorOptions } from '../../src/options/processor';

const KEY = 'serve-pii-key-0123456789abcdef';

function config(shape: Record<string, unknown>) {
  return {
    redis: 'redis://127.0.0.1:6379',
    tenants: [
      {
        id: 'acme',
        domain: 'acme.eu.auth0.com',
        clientId: 'client-1',
        clientSecret: 'client-secret-0123456789',
        post: { url: 'https://collector.example/acme' },
        ...shape,
      },
    ],
  };
}

function problem(raw: unknown, env: Record<string, string> = {}): string {
  try {
    parseServeConfig(raw, env);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('the configuration was accepted');
}

describe('serve: format, pii, piiMethod and categories per tenant', () => {
  it("reach the tenant's processor with the same names; the hash key from AUTH0_LOG_TOOLS_PII_KEY", () => {
    const shape = {
      format: 'stream',
      pii: ['email', 'username'],
      piiMethod: 'hash',
      categories: ['auth.login.fail', 'user.fail'],
    };
    const [tenant] = parseServeConfig(config(shape), { AUTH0_LOG_TOOLS_PII_KEY: KEY }).tenants;
    const options = tenantProcessorOptions(tenant!);
    expect(options).toMatchObject({ ...shape, piiKey: KEY });
    const resolved = resolveProcessorOptions(options);
    expect(resolved.categories).toEqual(shape.categories);
    expect(resolved.shape.format).toBe('stream');
    expect(resolved.shape.pii?.fields).toEqual(['email', 'username']);
    // the key is held as a KeyObject: inspect shows its size, never its bytes
    expect(inspect(resolved, { depth: 8 })).not.toContain(KEY);
  });

  it('refuses an unknown category (naming the nearest), a bad format and hash without a key', () => {
    expect(problem(config({ categories: ['user.fial'] }))).toContain(
      'tenants[0].categories (tenant "acme"): `user.fial` is not an Auth0 Log Streams category; did you mean `user.fail`?',
    );
    expect(problem(config({ format: 'json' }))).toContain('tenants[0].format');
    expect(problem(config({ pii: ['email'], piiMethod: 'hash' }))).toContain(
      'AUTH0_LOG_TOOLS_PII_KEY',
    );
    const short = problem(config({ pii: ['email'], piiMethod: 'hash' }), {
      AUTH0_LOG_TOOLS_PII_KEY: 'short-key-1',
    });
    expect(short).toContain('at least 16 characters');
    expect(short).not.toContain('short-key-1');
  });
});
