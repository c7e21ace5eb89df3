import { stringify } from 'node:querystring';
import { LogsApiClient } from '../../src/client';
import { checkDate, checkDomain, resolveClientOptions } from '../../src/options/client';
import { DEFAULTS } from '../../src/defaults';
import { ArgumentError } from '../../src/errors';
import { json, logId, startHttpsServer, type LocalServer } from '../support/https-server';
import { credentials, useTenant } from '../support/tenant';

const valid = { domain: 'acme.auth0.com', clientId: 'id-123', clientSecret: 'not-the-secret-42ab' };

function refusal(fn: () => unknown): ArgumentError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ArgumentError);
    return error as ArgumentError;
  }
  throw new Error('expected an ArgumentError');
}

describe('client options are checked once, at construction, naming the option', () => {
  it.each([
    [3e9, '3000000000'],
    [Infinity, 'Infinity'],
    [0, '0'],
    [-5, '-5'],
    [1.5, '1.5'],
    [NaN, 'NaN'],
    ['2000', '"2000"'],
  ])('refuses timeoutMs %p', (timeoutMs, shown) => {
    const error = refusal(() => new LogsApiClient({ ...valid, timeoutMs: timeoutMs as number }));
    expect(error.option).toBe('timeoutMs');
    expect(error.message).toBe(
      `Expected \`timeoutMs\` to be an integer from 1 to 2147483647, got ${shown}`,
    );
  });

  it('accepts timeoutMs from 1 ms to the longest timer Node keeps, 30 s by default', () => {
    expect(resolveClientOptions({ ...valid, timeoutMs: 1 }).timeoutMs).toBe(1);
    expect(resolveClientOptions({ ...valid, timeoutMs: 2 ** 31 - 1 }).timeoutMs).toBe(2 ** 31 - 1);
    expect(resolveClientOptions(valid).timeoutMs).toBe(30_000);
  });

  it('refuses a maxResponseBytes that is not a positive integer; 64 MB by default', () => {
    for (const bad of [0, -1, 1.5, Infinity, '1000']) {
      const error = refusal(() => new LogsApiClient({ ...valid, maxResponseBytes: bad as number }));
      expect(error.option).toBe('maxResponseBytes');
      expect(error.message).toMatch(/^Expected `maxResponseBytes` to be an integer from 1 to \d+/);
    }
    expect(resolveClientOptions(valid).maxResponseBytes).toBe(64 * 1024 * 1024);
    expect(DEFAULTS.maxResponseBytes).toBe(64 * 1024 * 1024);
  });

  it.each([
    'acme.auth0.com:99999',
    'acme.auth0.com:0',
    'acme.auth0.com:',
    ':443',
    'acme auth0.com',
    'acme.auth0.com:84a',
    'http://acme.auth0.com',
    'acme.auth0.com/api/v2',
    'user:pw@acme.auth0.com',
    'acme.auth0.com?x=1',
    '[::1',
  ])('refuses the domain %p at construction', (domain) => {
    const error = refusal(() => new LogsApiClient({ ...valid, domain }));
    expect(error.option).toBe('domain');
    const refused = `Expected \`domain\` to be a host name with an optional port from 1 to 65535, got ${JSON.stringify(domain)}`;
    // a scheme gets its own advice after the refusal
    expect(error.message).toBe(
      domain.includes('://')
        ? `${refused}; drop the scheme (http://): the domain alone, e.g. acme.eu.auth0.com (requests always use https)`
        : refused,
    );
  });

  it('accepts a host, a port from 1 to 65535, an IPv6 address and an https:// prefix', () => {
    expect(checkDomain('acme.eu.auth0.com')).toBe('acme.eu.auth0.com');
    expect(checkDomain('acme.auth0.com:1')).toBe('acme.auth0.com:1');
    expect(checkDomain('acme.auth0.com:65535')).toBe('acme.auth0.com:65535');
    expect(checkDomain('[::1]:8443')).toBe('[::1]:8443');
    expect(checkDomain('https://acme.auth0.com/')).toBe('acme.auth0.com');
  });

  it('refuses a token cache, clock, logger or http that cannot work', () => {
    const cases: [string, unknown][] = [
      ['tokenCache', {}],
      ['tokenCache', null],
      ['now', 5],
      ['logger', 'console'],
      ['http', {}],
    ];
    for (const [name, value] of cases) {
      expect(refusal(() => new LogsApiClient({ ...valid, [name]: value })).option).toBe(name);
    }
  });

  it.each([
    [5, 'got 5'],
    [{ pem: 'x' }, 'got an object'],
    [[], 'got an empty array'],
    [['-----BEGIN CERTIFICATE-----', 7], 'got an array holding 7'],
    [null, 'got null'],
  ])('refuses ca: %p naming it, not with a TypeError from tls', (ca, got) => {
    const error = refusal(() => new LogsApiClient({ ...valid, ca: ca as never }));
    expect(error.option).toBe('ca');
    expect(error.message).toBe(
      `Expected \`ca\` to be PEM certificate text or a Buffer, or an array of them, ${got}`,
    );
  });

  it('accepts ca as PEM text, a Buffer, or an array of them', () => {
    for (const ca of ['pem', Buffer.from('pem'), ['pem', Buffer.from('pem')]])
      expect(resolveClientOptions({ ...valid, ca }).ca).toBe(ca);
  });

  it.each([
    [{ debug: 5 }, 'got one whose `debug` is a number'],
    [{ info: 'x', error: {} }, 'got one whose `info` is a string and `error` is an object'],
    [null, 'got null'],
    ['console', 'got a string'],
  ])('refuses logger: %p naming it', (logger, got) => {
    const error = refusal(() => new LogsApiClient({ ...valid, logger: logger as never }));
    expect(error.option).toBe('logger');
    expect(error.message).toBe(
      `Expected \`logger\` to be an object whose debug, info and error methods (each optional) are functions, ${got}`,
    );
  });

  it('accepts console and a logger with only some of the methods', () => {
    expect(resolveClientOptions({ ...valid, logger: console }).logger).toBe(console);
    const partial = { error: () => undefined };
    expect(resolveClientOptions({ ...valid, logger: partial }).logger).toBe(partial);
  });

  it('never echoes a client secret of the wrong type', () => {
    const error = refusal(() => new LogsApiClient({ ...valid, clientSecret: 12345678 as never }));
    expect(error.message).toBe('Expected `clientSecret` to be a non-empty string, got a number');
  });
});

describe('checkDate', () => {
  it('accepts a Date and ISO 8601 strings; a date-time without offset is UTC', () => {
    expect(checkDate('2026-01-01', 'date').toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(checkDate('2026-01-01T10:30', 'date').toISOString()).toBe('2026-01-01T10:30:00.000Z');
    expect(checkDate('2026-01-01T10:30:05+02:00', 'date').toISOString()).toBe(
      '2026-01-01T08:30:05.000Z',
    );
    const date = new Date('2026-03-04T05:06:07Z');
    expect(checkDate(date, 'date')).toBe(date);
  });

  it.each([['yesterday'], ['2026-13-45'], ['01/02/2026'], [''], [null], [42], [new Date('x')]])(
    'refuses %p naming the argument',
    (value) => {
      const error = refusal(() => checkDate(value, 'date'));
      expect(error.option).toBe('date');
      expect(error.message).toMatch(/^Expected `date` to be a valid Date or an ISO 8601 date/);
    },
  );
});

describe('what the client sends', () => {
  let server: LocalServer;
  const seen: { url: string; body: string }[] = [];
  beforeAll(async () => {
    server = await startHttpsServer((req, res, body) => {
      seen.push({ url: req.url ?? '', body });
      if (req.url === '/oauth/token') {
        return json(res, 200, { access_token: 'order-test-token', expires_in: 86400 });
      }
      json(res, 200, [{ log_id: logId(1), date: '2026-01-01T00:00:00.000Z', type: 's' }]);
    });
  });
  afterAll(() => server.close());
  beforeEach(() => {
    seen.length = 0;
  });
  const client = (extra = {}) =>
    new LogsApiClient({
      domain: server.domain,
      ca: server.ca,
      clientId: 'order-client',
      clientSecret: 'order-secret',
      ...extra,
    });

  it("keeps the caller's parameter order and encodes as the original's querystring did", async () => {
    const query = { take: 100, from: logId(7), q: 'type:s OR type:f', sort: 'date:1' };
    await client().getLogs(query);
    expect(seen.at(-1)?.url).toBe(`/api/v2/logs?${stringify(query)}`);
    expect(seen.at(-1)?.url).toBe(
      `/api/v2/logs?take=100&from=${logId(7)}&q=type%3As%20OR%20type%3Af&sort=date%3A1`,
    );
  });

  it("sends the original's checkpoint query as it did: take, from, an empty q, sort", async () => {
    await client().getLogs({ take: 100, from: logId(7), q: '', sort: 'date:1', fields: undefined });
    expect(seen.at(-1)?.url).toBe(`/api/v2/logs?take=100&from=${logId(7)}&q=&sort=date%3A1`);
  });

  it('sends the client secret exactly as given, surrounding spaces included', async () => {
    await client({ clientSecret: '  padded secret  ' }).getAccessToken();
    const body = JSON.parse(seen.at(-1)?.body ?? '{}') as { client_secret?: string };
    expect(body.client_secret).toBe('  padded secret  ');
  });

  it.each([[null], [[]], ['from=1'], [{ from: { id: 1 } }]])(
    'rejects getLogs(%p) with an ArgumentError naming the query, before any request',
    async (query) => {
      const error = await client()
        .getLogs(query as never)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ArgumentError);
      expect(error).toMatchObject({ option: 'query' });
      expect((error as Error).message).toMatch(/^Expected `query(\.from)?` to be/);
      expect(seen).toHaveLength(0);
    },
  );
});

describe('findCheckpointAt', () => {
  const tenant = useTenant({ logs: 200 });

  it('accepts an ISO string as it accepts the Date', async () => {
    const client = new LogsApiClient(credentials(tenant()));
    const date = tenant().logAt(120).date;
    const fromString = await client.findCheckpointAt(date);
    expect(fromString).toBe(await client.findCheckpointAt(new Date(date)));
    const page = await client.getLogs({ from: fromString, take: 1 });
    expect(page.logs[0]?.log_id).toBe(tenant().logIdAt(120));
    await expect(client.findCheckpointAt('2026-01-01')).resolves.toEqual(expect.any(String));
  });

  it('rejects a string that is not an ISO date, naming it, before any request', async () => {
    const client = new LogsApiClient(credentials(tenant()));
    const before = tenant().stats().logRequests;
    await expect(client.findCheckpointAt('yesterday')).rejects.toMatchObject({
      name: 'ArgumentError',
      option: 'date',
    });
    expect(tenant().stats().logRequests).toBe(before);
  });
});
