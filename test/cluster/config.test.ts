import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadServeConfig, parseServeConfig } from '../../src/cluster/config';
import { clusterTenant } from '../../src/cluster/tenants';

const SECRET = 'very-secret-client-secret-0123456789';
const env = { ACME_SECRET: SECRET, ACME_TOKEN: 'Bearer token-abc-xyz' };

function good(): Record<string, unknown> {
  return {
    redis: 'redis://127.0.0.1:6379',
    leaseSeconds: 3,
    tenants: [
      {
        id: 'acme',
        domain: 'acme.eu.auth0.com',
        clientId: 'client-1',
        clientSecret: '${ACME_SECRET}',
        intervalSeconds: 5,
        batchSize: 50,
        logTypes: ['s', 'f'],
        post: {
          url: 'https://collector.example/acme',
          headers: { Authorization: '${ACME_TOKEN}' },
        },
      },
      {
        id: 'beta',
        domain: 'beta.auth0.com',
        clientId: 'client-2',
        clientSecret: 'plain',
        splunk: { address: 'https://hec.example:8088', secrets: { token: '${ACME_TOKEN}' } },
      },
    ],
  };
}

function problems(raw: unknown, vars: Record<string, string> = env): string {
  try {
    parseServeConfig(raw, vars);
  } catch (error) {
    const message = (error as Error).message;
    expect(message).not.toContain(SECRET);
    expect(message).not.toContain('token-abc');
    return message;
  }
  throw new Error('the configuration was accepted');
}

describe('parseServeConfig', () => {
  it('reads a good configuration, ${NAME} from the environment, defaults filled', () => {
    const config = parseServeConfig(good(), env);
    expect(config).toMatchObject({ queue: 'auth0-log-tools', leaseSeconds: 3 });
    expect(config.tenants[0]).toMatchObject({
      id: 'acme',
      clientSecret: SECRET,
      intervalSeconds: 5,
      post: { headers: { Authorization: 'Bearer token-abc-xyz' } },
    });
    expect(config.tenants[1]).toMatchObject({
      intervalSeconds: 10,
      destination: { kind: 'splunk', secrets: { token: 'Bearer token-abc-xyz' } },
    });
    // both destinations map onto the library's code
    const acme = clusterTenant(config.tenants[0]!, env);
    expect(acme.processor).toMatchObject({ domain: 'acme.eu.auth0.com', batchSize: 50 });
    expect(typeof clusterTenant(config.tenants[1]!, env).handler).toBe('function');
  });

  it('refuses an unknown key, naming its path and tenant', () => {
    const raw = good();
    (raw['tenants'] as Array<Record<string, unknown>>)[0]!['intervalSecs'] = 3;
    raw['leaseSecs'] = 1;
    const message = problems(raw);
    expect(message).toContain('tenants[0].intervalSecs (tenant "acme"): unknown key');
    expect(message).toContain('leaseSecs: unknown key');
  });

  it("refuses a post timeoutMs longer than Node's longest timer (it fired at once)", () => {
    const raw = good();
    const acme = (raw['tenants'] as Record<string, Record<string, unknown>>[])[0]!;
    acme['post'] = { url: 'https://collector.example/acme', timeoutMs: 3_000_000_000 };
    expect(problems(raw)).toContain(
      'Expected `timeoutMs` to be an integer from 1 to 2147483647, got 3000000000',
    );
  });

  it('refuses a missing field', () => {
    const raw = good();
    delete (raw['tenants'] as Array<Record<string, unknown>>)[1]!['clientId'];
    delete raw['redis'];
    const message = problems(raw);
    expect(message).toContain('tenants[1].clientId (tenant "beta"): missing');
    expect(message).toContain('redis: missing');
  });

  it('refuses a duplicate tenant id and a tenant without exactly one destination', () => {
    const raw = good();
    const tenants = raw['tenants'] as Array<Record<string, unknown>>;
    tenants[1]!['id'] = 'acme';
    delete tenants[0]!['post'];
    const message = problems(raw);
    expect(message).toContain('tenants[1] (tenant "acme").id: duplicate tenant id');
    expect(message).toContain('tenants[0] (tenant "acme"): needs exactly one destination');
  });

  it('refuses a ${NAME} that is not set, naming the variable, never a value', () => {
    const message = problems(good(), { ACME_TOKEN: 'Bearer token-abc-xyz' });
    expect(message).toContain(
      'tenants[0].clientSecret (tenant "acme"): the environment variable ACME_SECRET is not set',
    );
  });

  it('refuses bad values without quoting them', () => {
    const raw = good();
    const acme = (raw['tenants'] as Array<Record<string, unknown>>)[0]!;
    acme['post'] = { url: SECRET };
    acme['batchSize'] = 0;
    const message = problems(raw);
    expect(message).toContain('tenants[0].post.url (tenant "acme"): must be a URL');
    expect(message).toContain('tenants[0].batchSize (tenant "acme")');
  });

  it('refuses a startFrom date more than a day ahead, as ship --start-from (it skipped every log until then)', () => {
    const raw = good();
    const acme = (raw['tenants'] as Array<Record<string, unknown>>)[0]!;
    acme['startFrom'] = '2099-01-01T00:00:00Z';
    expect(problems(raw)).toContain(
      `tenants[0].startFrom (tenant "acme"): must not be a date more than a day ahead of this machine's clock`,
    );
    acme['startFrom'] = new Date(Date.now() + 3600_000).toISOString(); // an hour ahead: a local date's midnight
    expect(parseServeConfig(raw, env).tenants[0]!.startFrom).toBe(acme['startFrom']);
  });

  it('refuses a deadLetter ship --dead-letter would refuse, and reads it relative to the file', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'serve-dead-letter-'));
    const raw = good();
    const acme = (raw['tenants'] as Array<Record<string, unknown>>)[0]!;
    acme['deadLetter'] = 'missing/refused.ndjson';
    expect(() => parseServeConfig(raw, env, dir)).toThrow(
      `tenants[0].deadLetter (tenant "acme"): the folder ${path.join(dir, 'missing')} does not exist; create it first`,
    );
    acme['deadLetter'] = '.';
    expect(() => parseServeConfig(raw, env, dir)).toThrow(
      `tenants[0].deadLetter (tenant "acme"): ${dir} is a folder; give the path of a file`,
    );
    acme['deadLetter'] = 'refused.ndjson';
    expect(parseServeConfig(raw, env, dir).tenants[0]!.deadLetter).toBe(
      path.join(dir, 'refused.ndjson'),
    );
  });

  it('says what type was expected and which was given, never the value', () => {
    const raw = good();
    raw['leaseSeconds'] = '30';
    const acme = (raw['tenants'] as Array<Record<string, unknown>>)[0]!;
    acme['batchSize'] = '10';
    acme['clientId'] = 5;
    acme['logTypes'] = 's';
    acme['intervalSeconds'] = null;
    const beta = (raw['tenants'] as Array<Record<string, unknown>>)[1]!;
    beta['clientSecret'] = 31_415_926;
    const message = problems(raw);
    expect(message).toContain('leaseSeconds: expected a number, got a string');
    expect(message).toContain(
      'tenants[0].batchSize (tenant "acme"): expected a number, got a string',
    );
    expect(message).toContain(
      'tenants[0].clientId (tenant "acme"): expected a string, got a number',
    );
    expect(message).toContain(
      'tenants[0].logTypes (tenant "acme"): expected an array, got a string',
    );
    expect(message).toContain(
      'tenants[0].intervalSeconds (tenant "acme"): expected a number, got null',
    );
    expect(message).toContain(
      'tenants[1].clientSecret (tenant "beta"): expected a string, got a number',
    );
    expect(message).not.toContain('missing');
    expect(message).not.toContain('31415926');
  });

  it("refuses at load what every run would refuse, with the library's own rules", () => {
    const raw = good();
    const acme = (raw['tenants'] as Array<Record<string, unknown>>)[0]!;
    acme['logTypes'] = ['S', 'f'];
    const beta = (raw['tenants'] as Array<Record<string, unknown>>)[1]!;
    beta['domain'] = 'bad domain';
    const message = problems(raw);
    expect(message).toContain(
      'tenants[0].logTypes (tenant "acme"): `S` is not an Auth0 log type; did you mean `s`?',
    );
    expect(message).toContain(
      'tenants[1].domain (tenant "beta"): Expected `domain` to be a host name with an optional port',
    );
    // a code written `+code` (a type newer than the catalog) passes, as it does for ship
    acme['logTypes'] = ['+new_type'];
    beta['domain'] = 'beta.auth0.com:8443';
    expect(parseServeConfig(raw, env).tenants[0]?.logTypes).toEqual(['+new_type']);
  });

  it('loads a file, reading ca relative to it, and says what is wrong with the file', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'serve-config-'));
    writeFileSync(path.join(dir, 'ca.pem'), 'PEM');
    const raw = good();
    (raw['tenants'] as Array<Record<string, unknown>>)[0]!['ca'] = 'ca.pem';
    writeFileSync(path.join(dir, 'serve.json'), JSON.stringify(raw));
    expect(loadServeConfig(path.join(dir, 'serve.json'), env).tenants[0]?.ca).toBe('PEM');
    writeFileSync(path.join(dir, 'bad.json'), '{');
    expect(() => loadServeConfig(path.join(dir, 'bad.json'), env)).toThrow(/not valid JSON/);
    expect(() => loadServeConfig(path.join(dir, 'none.json'), env)).toThrow(/ENOENT/);
  });
});

describe('a tenant with several destinations', () => {
  const several = (destinations: unknown, extra: Record<string, unknown> = {}) => {
    const doc = good();
    const tenants = doc['tenants'] as Array<Record<string, unknown>>;
    const beta = tenants[1] as Record<string, unknown>;
    delete beta['splunk'];
    Object.assign(beta, { destinations, ...extra });
    return doc;
  };

  it('takes a destinations list of post and other kinds, each as its own key gives it, and fans out to them', async () => {
    const config = parseServeConfig(
      several([
        { post: { url: 'http://127.0.0.1:9/beta' } },
        { s3: { address: 's3://audit/auth0', options: { objectMaxSeconds: 600 } } },
      ]),
      env,
    );
    const beta = config.tenants[1];
    expect(beta?.destinations).toEqual([
      { post: { url: 'http://127.0.0.1:9/beta', headers: {} } },
      {
        destination: {
          kind: 's3',
          address: 's3://audit/auth0',
          options: { objectMaxSeconds: 600 },
        },
      },
    ]);
    expect(beta?.post).toBeUndefined();
    const tenant = clusterTenant(beta as NonNullable<typeof beta>, {});
    // an S3 destination among them makes the handler gather (objects, not one per batch)
    expect(typeof (tenant.handler as { gather?: unknown }).gather).toBe('function');
    await tenant.close?.();
  });

  it('names the entry at fault: an option the kind does not take, an entry of two kinds, destinations beside a single key', () => {
    expect(() =>
      clusterTenant(
        parseServeConfig(
          several([
            { post: { url: 'http://127.0.0.1:9/beta' } },
            { s3: { address: 's3://audit', options: { objectMaxLogs: 0 } } },
          ]),
          env,
        ).tenants[1] as never,
        {},
      ),
    ).toThrow('tenants.beta.destinations[1].s3.options.objectMaxLogs');
    expect(
      problems(
        several([
          { post: { url: 'http://127.0.0.1:9/b' }, s3: { address: 's3://audit' } },
          { s3: { address: 's3://audit' } },
        ]),
      ),
    ).toContain('tenants[1] (tenant "beta").destinations[0]: needs exactly one destination');
    expect(
      problems(
        several([{ s3: { address: 's3://audit' } }], { post: { url: 'http://127.0.0.1:9/b' } }),
      ),
    ).toContain('has destinations and post: put every destination in destinations');
  });
});
