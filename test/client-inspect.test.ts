import util from 'node:util';
import { LogsApiClient } from '../src/client';
import { LogsApiStream } from '../src/stream';
import { MemoryTokenCache } from '../src/auth0/token-provider';
import { credentials, useTenant } from './support/tenant';

const SECRET = 'INSPECT-CANARY-SECRET-5d1e8a0b3c7f';
const tenant = useTenant({ logs: 20, clientSecret: SECRET });

/** Every way a client ends up printed: util.inspect (deep, hidden, custom or not), console.log, JSON. */
function printed(value: unknown): string[] {
  return [
    util.inspect(value, { depth: Infinity, showHidden: true }),
    util.inspect(value, { depth: Infinity, customInspect: false }),
    util.format('%s %o %O %j', value, value, value, value),
    JSON.stringify(value) ?? '',
  ];
}

async function clientWithToken() {
  const client = new LogsApiClient(credentials(tenant()));
  await client.getLogs({ take: 1, from: tenant().logIdAt(0) });
  const { token } = await client.getAccessTokenCached();
  return { client, token };
}

describe('no secret and no token in a printed client', () => {
  it('util.inspect, console.log and JSON.stringify of a LogsApiClient', async () => {
    const { client, token } = await clientWithToken();
    for (const text of printed(client)) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(token);
    }
    expect(util.inspect(client, { breakLength: Infinity })).toBe(
      `LogsApiClient { domain: '${tenant().domain}', clientId: '${tenant().clientId}' }`,
    );
    expect(JSON.parse(JSON.stringify(client))).toEqual({
      domain: tenant().domain,
      clientId: tenant().clientId,
    });
  });

  it('an object holding a client, and a stream built on one', async () => {
    const { client, token } = await clientWithToken();
    const holder = { name: 'holder', nested: { client, list: [client] } };
    const stream = new LogsApiStream({ client, checkpointId: tenant().logIdAt(0) });
    const own = new LogsApiStream({ ...credentials(tenant()), checkpointId: tenant().logIdAt(0) });
    await new Promise<void>((resolve, reject) => {
      own.once('data', () => resolve());
      own.once('error', reject);
      own.next(1);
    });
    for (const value of [holder, stream, own]) {
      for (const text of printed(value)) {
        expect(text).not.toContain(SECRET);
        expect(text).not.toContain(token);
      }
    }
  });

  it('a MemoryTokenCache', async () => {
    const cache = new MemoryTokenCache();
    await cache.setToken({ token: 'cached-canary-token-123', expiresAt: 1 });
    for (const text of printed(cache)) expect(text).not.toContain('cached-canary-token-123');
    expect((await cache.getToken())?.token).toBe('cached-canary-token-123');
  });
});
