import { promises as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import { runCli } from '../../../src/cli/cli';
import { runShip } from '../../../src/cli/ship/command';
import { loadServeConfig } from '../../../src/cluster/config';
import { startFakeTenant, type FakeTenant } from '../../../src/testing';
import { folderWriteRefusal } from '../../../src/util/writable';
import { captureIo, tempDir } from '../../support/cli';

// Issue 23 item 5: each error a new user met says what to do. The advice is asserted word for word
// where it is the point of the fix.

let dir: string;
let tenant: FakeTenant;
let caFile: string;

beforeAll(async () => {
  dir = await tempDir();
  tenant = await startFakeTenant({ logs: 30, seed: 23 });
  caFile = path.join(dir, 'ca.pem');
  await fs.writeFile(caFile, tenant.ca);
});

afterAll(async () => {
  await tenant.close();
  await fs.rm(dir, { recursive: true, force: true });
});

beforeEach(() => tenant.resetStats());

const credentials = () => ({
  AUTH0_DOMAIN: tenant.domain,
  AUTH0_CLIENT_ID: tenant.clientId,
  AUTH0_CLIENT_SECRET: tenant.clientSecret,
});

/** `ship --json` to a fresh state and `extra` (an --out file unless given); the code, stderr and summary. */
async function ship(extra: string[] = [], env: Record<string, string> = credentials()) {
  const { io, stdout, stderr } = captureIo({ env });
  const state = path.join(dir, `state-${Math.random()}.json`);
  const destination = extra.some((a) => a === '--to' || a === '--out')
    ? []
    : ['--out', path.join(dir, `out-${Math.random()}.ndjson`)];
  const argv = ['--ca-file', caFile, '--state', state, '--max-retries', '0', ...destination];
  const code = await runShip([...argv, ...extra, '--json'], io);
  const text = stdout();
  return {
    code,
    stderr: stderr(),
    summary: (text ? JSON.parse(text) : {}) as Record<string, unknown>,
  };
}

/** Runs `fn` with `vars` set in process.env (undefined: removed), then puts them back. */
async function withEnv<T>(vars: Record<string, string | undefined>, fn: () => Promise<T>) {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [k, v] of Object.entries(values)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  apply(vars);
  try {
    return await fn();
  } finally {
    apply(saved);
  }
}

/** A folder this process cannot create files in: a read-only one for a user, sysfs for root. */
async function unwritableFolder(): Promise<string> {
  if (process.getuid?.() === 0) return '/sys';
  const folder = await fs.mkdtemp(path.join(dir, 'ro-'));
  await fs.chmod(folder, 0o500);
  return folder;
}

describe('ship: the tenant side says what to do', () => {
  it('a custom domain as AUTH0_DOMAIN (403 "Service not enabled within domain") names the tenant domain', async () => {
    tenant.enqueue({
      path: 'token',
      status: 403,
      body: {
        error: 'access_denied',
        error_description: 'Service not enabled within domain: https://login.example.com/api/v2/',
      },
    });
    const { code, summary } = await ship();
    expect(code).toBe(1);
    expect(summary.error).toBe(
      'Service not enabled within domain: https://login.example.com/api/v2/',
    );
    expect(summary.advice).toBe(
      "use the tenant's own domain (--domain or AUTH0_DOMAIN), e.g. acme.eu.auth0.com, not a custom domain: the Management API answers only there",
    );
  });

  it.each([
    [
      403,
      'Forbidden',
      "allow the tenant's domain in the proxy (HTTPS_PROXY), or add it to NO_PROXY to connect directly",
    ],
    [
      407,
      'Proxy Authentication Required',
      "put the proxy's user name and password in the HTTPS_PROXY URL, or add the tenant's domain to NO_PROXY to connect directly",
    ],
  ])(
    'a proxy refusing the CONNECT (%i) says the proxy refused the tunnel and names NO_PROXY',
    async (status, phrase, advice) => {
      const connects: string[] = [];
      const proxy = http.createServer((_req, res) => res.writeHead(500).end());
      proxy.on('connect', (req: http.IncomingMessage, socket: Socket) => {
        connects.push(String(req.url));
        socket.end(`HTTP/1.1 ${status} ${phrase}\r\nContent-Length: 0\r\n\r\n`);
      });
      await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
      const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
      try {
        const { code, summary } = await withEnv(
          {
            HTTPS_PROXY: proxyUrl,
            https_proxy: undefined,
            NO_PROXY: undefined,
            no_proxy: undefined,
          },
          () => ship(),
        );
        expect(connects).toEqual([tenant.domain]);
        expect(tenant.stats().tokenRequests).toBe(0); // Auth0 was never reached
        expect(code).toBe(1);
        expect(summary.error).toBe(
          `The proxy refused the tunnel to ${tenant.domain} (it answered the CONNECT with ${status} ${phrase}); Auth0 was not reached`,
        );
        expect(summary.advice).toBe(advice);
      } finally {
        await new Promise<void>((resolve) => proxy.close(() => resolve()));
      }
    },
  );

  it('a 429 asking for longer than --max-run-time stops as rate_limit, exit 0 with a warning', async () => {
    tenant.enqueue({ path: 'logs', status: 429, headers: { 'retry-after': '3600' } });
    const { code, summary } = await ship(['--max-run-time', '60']);
    expect(tenant.stats().logRequests).toBe(1); // no retry within the run
    expect(code).toBe(0);
    expect(summary.status).toBe('ok');
    expect(summary.stopReason).toBe('rate_limit');
    expect(summary.warnings).toEqual([
      expect.stringMatching(/^Auth0 Management API rate limit reached/),
    ]);
    expect(summary.checkpoint).toBeNull(); // nothing shipped, nothing skipped
  });
});

describe('ship: S3 without a region or credentials says which variable to set', () => {
  // no profile file, no instance metadata: the SDK's chain finds nothing and touches no network
  const bare = {
    AWS_REGION: undefined,
    AWS_DEFAULT_REGION: undefined,
    AWS_PROFILE: undefined,
    AWS_ACCESS_KEY_ID: undefined,
    AWS_SECRET_ACCESS_KEY: undefined,
    AWS_SESSION_TOKEN: undefined,
    AWS_CONFIG_FILE: '/nonexistent/aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: undefined,
    AWS_CONTAINER_CREDENTIALS_FULL_URI: undefined,
    AWS_WEB_IDENTITY_TOKEN_FILE: undefined,
  };

  it('no region: set AWS_REGION or --to-option region, permanent (no "run again")', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.message);
    process.on('warning', onWarning);
    try {
      const { code, summary } = await withEnv(bare, () => ship(['--to', 's3://audit-logs/auth0']));
      expect(code).toBe(1);
      expect(summary.error).toMatch(
        /^The handler failed: s3: PutObject s3:\/\/audit-logs\/auth0\/\S+ failed: no AWS region: set AWS_REGION, or --to-option region$/,
      );
      expect(summary).not.toHaveProperty('advice'); // not "run again": it cannot work
      await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
      // the SDK's Node.js support notice is ours to silence; the switch is put back
      expect(warnings.filter((w) => w.includes('NodeVersionSupportWarning'))).toEqual([]);
      expect(process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED).toBeUndefined();
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY', async () => {
    const { code, summary } = await withEnv({ ...bare, AWS_REGION: 'eu-west-1' }, () =>
      ship(['--to', 's3://audit-logs/auth0']),
    );
    expect(code).toBe(1);
    expect(summary.error).toMatch(
      /failed: no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY \(or AWS_PROFILE, or run with an IAM role\)$/,
    );
    expect(summary).not.toHaveProperty('advice');
  });
});

describe('ship: files it cannot write are refused before anything is fetched', () => {
  it('--out in a folder without write permission', async () => {
    const folder = await unwritableFolder();
    expect(folderWriteRefusal(folder)).toBeDefined(); // the premise
    const out = path.join(folder, 'logs.ndjson');
    const { code, stderr } = await ship(['--out', out]);
    expect(code).toBe(2);
    expect(stderr).toMatch(
      new RegExp(
        `^auth0-log-tools ship: --out ${out}: this user cannot create files in the folder ${folder} \\(E[A-Z]+\\); give it write access \\(chown/chmod\\) or pick another folder\\n$`,
      ),
    );
    expect(tenant.stats()).toMatchObject({ tokenRequests: 0, logRequests: 0 });
  });

  it('a state in an unwritable folder names the folder and the fix', async () => {
    const folder = await unwritableFolder();
    const { io, stderr } = captureIo({ env: credentials() });
    const out = path.join(dir, 'state-refused.ndjson');
    const code = await runShip(
      ['--ca-file', caFile, '--state', path.join(folder, 'state.json'), '--out', out],
      io,
    );
    expect(code).toBe(1);
    expect(stderr()).toContain(
      `this user cannot write in the folder ${folder}: give it write access (chown or chmod), or keep the state in a folder it can write`,
    );
    expect(tenant.stats()).toMatchObject({ tokenRequests: 0, logRequests: 0 });
  });
});

describe('usage errors name the fix', () => {
  it('--domain http://...: drop the scheme', async () => {
    const { code, stderr } = await ship(['--domain', 'http://acme.eu.auth0.com']);
    expect(code).toBe(2);
    expect(stderr).toBe(
      'auth0-log-tools ship: Expected --domain to be a host name with an optional port from 1 to 65535, got "http://acme.eu.auth0.com"; drop the scheme (http://): the domain alone, e.g. acme.eu.auth0.com (requests always use https)\n',
    );
  });

  it('missing credentials are listed all at once', async () => {
    const { io, stderr } = captureIo({ env: { AUTH0_CLIENT_ID: 'id' } });
    expect(await runShip(['--out', path.join(dir, 'x.ndjson')], io)).toBe(2);
    expect(stderr()).toBe(
      'auth0-log-tools ship: Missing the tenant domain, the client secret: set AUTH0_DOMAIN, AUTH0_CLIENT_SECRET (or pass --domain, --client-secret)\n',
    );
  });

  it('an unknown flag: did you mean', async () => {
    const { io, stderr } = captureIo({ env: credentials() });
    expect(await runCli(['ship', '--max-retires', '3'], io)).toBe(2);
    expect(stderr()).toBe(
      "auth0-log-tools ship: Unknown option '--max-retires'; did you mean --max-retries? Run `auth0-log-tools ship --help` for the flags.\n",
    );
  });

  it('a serve configuration key typo: did you mean, at every depth', async () => {
    const file = path.join(dir, 'typo.json');
    await fs.writeFile(
      file,
      JSON.stringify({
        redis: 'redis://127.0.0.1:6379',
        tenats: [],
        tenants: [
          {
            id: 'acme',
            domain: 'acme.eu.auth0.com',
            clientId: 'id',
            clientSecert: 'x',
            clientSecret: 'y',
            post: { url: 'https://siem.example/', header: {} },
          },
        ],
      }),
    );
    expect(() => loadServeConfig(file, {})).toThrow(
      [
        'Invalid serve configuration:',
        '  - tenants[0].post.header (tenant "acme"): unknown key; did you mean `headers`?',
        '  - tenants[0].clientSecert (tenant "acme"): unknown key; did you mean `clientSecret`?',
        '  - tenats: unknown key; did you mean `tenants`?',
      ].join('\n'),
    );
  });

  it('a serve configuration that is not JSON: line and column', async () => {
    const file = path.join(dir, 'broken.json');
    await fs.writeFile(file, '{\n  "redis": "redis://127.0.0.1:6379",\n  "tenants": [,]\n}\n');
    expect(() => loadServeConfig(file, {})).toThrow(
      new RegExp(`^--config ${file} is not valid JSON at line 3, column 15: `),
    );
    await fs.writeFile(file, '{\n  "redis": "redis://');
    expect(() => loadServeConfig(file, {})).toThrow(/is not valid JSON at line 2, column 21: /);
  });
});
