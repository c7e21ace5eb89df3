import { promises as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { failureAdvice } from '../../../src/cli/ship/advice';
import { systemCode } from '../../../src/util/system-codes';
import { runShip } from '../../../src/cli/ship/command';
import { startFakeTenant, type FakeTenant } from '../../../src/testing';
import { startHttpsServer } from '../../support/https-server';
import { captureIo, startEndpoint, tempDir } from '../../support/cli';

let dir: string;
let tenant: FakeTenant;
let caFile: string;

beforeAll(async () => {
  dir = await tempDir();
  tenant = await startFakeTenant({ logs: 30, seed: 3 });
  caFile = path.join(dir, 'ca.pem');
  await fs.writeFile(caFile, tenant.ca);
});

afterAll(async () => {
  await tenant.close();
  await fs.rm(dir, { recursive: true, force: true });
});

/** Ships to `post` once (no retries) and resolves the exit code, stderr and the JSON summary. */
async function shipTo(post: string) {
  const { io, stdout, stderr } = captureIo({
    env: {
      AUTH0_DOMAIN: tenant.domain,
      AUTH0_CLIENT_ID: tenant.clientId,
      AUTH0_CLIENT_SECRET: tenant.clientSecret,
    },
  });
  const state = path.join(dir, `state-${Math.random()}.json`);
  const argv = ['--ca-file', caFile, '--state', state, '--post', post, '--max-retries', '0'];
  const code = await runShip([...argv, '--json'], io);
  return { code, stderr: stderr(), summary: JSON.parse(stdout()) as Record<string, unknown> };
}

/** A port on 127.0.0.1 where nothing listens (a server's, closed again). */
async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('ship: the advice names the side that failed', () => {
  it('a refused --post connection keeps ECONNREFUSED and advises on --post, not --domain', async () => {
    const port = await closedPort();
    const { code, stderr, summary } = await shipTo(`http://127.0.0.1:${port}/`);
    expect(code).toBe(1);
    expect(summary.error).toMatch(/POST http:\/\/127\.0\.0\.1:\d+\/ failed: ECONNREFUSED/);
    expect(summary.advice).toBe(
      'check the host and port of --post (nothing accepts connections there), then run again to resume from the checkpoint',
    );
    expect(stderr).not.toContain('--domain');
  });

  it('a port fetch refuses (--post http://127.0.0.1:1/) is permanent and says so', async () => {
    const { code, summary } = await shipTo('http://127.0.0.1:1/');
    expect(code).toBe(1);
    expect(summary.error).toContain('POST http://127.0.0.1:1/ failed: fetch refuses port 1');
    expect(summary).not.toHaveProperty('advice'); // not "run again": it cannot work
  });

  it("an untrusted destination certificate blames the destination, not the tenant's", async () => {
    const server = await startHttpsServer((_req, res) => res.writeHead(200).end());
    try {
      const { code, summary } = await shipTo(`https://${server.domain}/`);
      expect(code).toBe(1);
      expect(summary.error).toMatch(/failed: (DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_|SELF_SIGNED)/);
      expect(summary.advice).toBe(
        "check the destination's certificate, or trust its CA with NODE_EXTRA_CA_CERTS",
      );
    } finally {
      await server.close();
    }
  });

  it('a 401 with credentials in the --post URL advises checking them there', async () => {
    const endpoint = await startEndpoint(() => 401);
    try {
      const url = endpoint.url.replace('http://', 'http://shipper:s3cret-pass@');
      const { code, stderr, summary } = await shipTo(url);
      expect(code).toBe(1);
      expect(summary.error).toMatch(
        /answered 401 Unauthorized: nope \(check the user:password in the --post URL\)/,
      );
      expect(summary).not.toHaveProperty('advice');
      expect(stderr).not.toContain('--header');
      expect(JSON.stringify(summary) + stderr).not.toContain('s3cret-pass');
    } finally {
      await endpoint.close();
    }
  });
});

describe('failureAdvice', () => {
  const message = 'POST http://example.com/ failed: ENOTFOUND (fetch failed)';
  it.each<[string, Parameters<typeof failureAdvice>[0], string | undefined]>([
    [
      'an unknown destination host',
      {
        message,
        permanent: true,
        destinationError: Object.assign(new Error('x'), { code: 'ENOTFOUND' }),
        destinationFlag: '--post',
      },
      'check the host name in --post and the DNS',
    ],
    [
      "a --to destination's certificate",
      {
        message: 'x',
        permanent: true,
        destinationError: new Error('x', { cause: { code: 'CERT_HAS_EXPIRED' } }),
        destinationFlag: '--to',
      },
      "check the destination's certificate, or trust its CA with --ca-file",
    ],
    [
      'a destination failure retrying may fix',
      { message: 'x answered 503', permanent: false, destinationError: new Error('503') },
      'run again to resume from the checkpoint',
    ],
    [
      'an unknown tenant host',
      {
        message: 'getaddrinfo ENOTFOUND nope.auth0.com',
        permanent: true,
        code: 'ENOTFOUND',
        source: 'logs',
      },
      'check --domain and the DNS',
    ],
    [
      "the tenant's certificate",
      {
        message: 'request failed: UNABLE_TO_VERIFY_LEAF_SIGNATURE',
        permanent: true,
        code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
        source: 'token',
      },
      "check the tenant's certificate, or trust its CA with --ca-file",
    ],
    [
      'a tenant that refuses connections',
      {
        message: 'connect ECONNREFUSED 127.0.0.1:1',
        permanent: false,
        code: 'ECONNREFUSED',
        source: 'logs',
      },
      'check --domain (nothing accepts connections there), then run again to resume from the checkpoint',
    ],
  ])('%s', (_, facts, advice) => {
    expect(failureAdvice(facts)).toBe(advice);
  });

  it("finds the system code in fetch's AggregateError causes", () => {
    const error = new TypeError('fetch failed', {
      cause: new AggregateError([Object.assign(new Error('a'), { code: 'ECONNREFUSED' })]),
    });
    expect(systemCode(error)).toBe('ECONNREFUSED');
    expect(systemCode(new Error('plain'))).toBeUndefined();
  });
});
