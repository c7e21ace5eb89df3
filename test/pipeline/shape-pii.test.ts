import { createHmac, createSecretKey } from 'node:crypto';
import { PII_FIELDS, PII_MASK, piiRedactor } from '../../src/pipeline/shape/pii';
import { createShaper } from '../../src/pipeline/shape/shape';
import { isStreamRecord, logOf } from '../../src/auth0/log-stream';
import { bulkLines } from '../../src/destinations/elastic';
import type { LogEvent } from '../../src/types';
import { resolveProcessorOptions } from '../../src/options/processor';

const KEY = 'a-test-key-of-32-characters-long';
const key = createSecretKey(Buffer.from(KEY));
const hash = (value: string) => createHmac('sha256', KEY).update(value).digest('hex');

/** A Management API "create a user" log as Auth0 writes it (`sapi`, details.request.body). */
const created: LogEvent = {
  log_id: '90020261207101500000000000000000000000000000000000000001',
  _id: '90020261207101500000000000000000000000000000000000000001',
  date: '2026-12-07T10:15:00.000Z',
  type: 'sapi',
  description: 'Create a User for jane.doe@example.org',
  ip: '203.0.113.7',
  user_agent: 'Chrome 120.0.0 / Mac OS X 10.15.7',
  user_id: 'auth0|6571a',
  user_name: 'jdoe',
  details: {
    request: {
      method: 'post',
      path: '/api/v2/users',
      ip: '203.0.113.7',
      body: {
        email: 'jane.doe@example.org',
        given_name: 'Jane',
        family_name: 'Doe',
        phone_number: '+14155550123',
        username: 'jdoe',
        user_metadata: { address: { street: '1 Main St', zip: 94105 } },
      },
    },
    response: { statusCode: 201, body: { user_id: 'auth0|6571a', email: 'jane.doe@example.org' } },
  },
};

/** A passwordless SMS login: the user name is a phone number. */
const sms: LogEvent = {
  log_id: '90020261207101500000000000000000000000000000000000000002',
  date: '2026-12-07T10:15:01.000Z',
  type: 's',
  user_name: '+14155550123',
  description: 'Successful login',
  details: { prompts: [{ name: 'login', user_name: '+14155550123' }] },
};

describe('pii', () => {
  it('hash: every field of the vocabulary, at any depth, keyed, ids and dates untouched', () => {
    const hide = piiRedactor({ fields: PII_FIELDS, method: 'hash', key });
    const out = hide(created) as unknown as Record<string, unknown>;
    const text = JSON.stringify(out);
    for (const clear of ['jane.doe', 'Jane', 'Doe', '4155550123', 'jdoe', 'Main St', '94105'])
      expect(text).not.toContain(clear);
    expect(text).not.toContain('203.0.113.7');
    expect(text).not.toContain('Chrome');
    expect(out['log_id']).toBe(created.log_id);
    expect(out['_id']).toBe(created._id);
    expect(out['date']).toBe(created.date);
    expect(out['type']).toBe('sapi');
    expect(out['user_id']).toBe('auth0|6571a'); // an id, not in the vocabulary
    expect(out['description']).toBe(`Create a User for ${hash('jane.doe@example.org')}`);
    const body = (out['details'] as { request: { body: Record<string, unknown> } }).request.body;
    expect(body['email']).toBe(hash('jane.doe@example.org'));
    expect(body['given_name']).toBe(hash('Jane'));
    expect(body['username']).toBe(out['user_name']);
    // an address object: every leaf hidden, its shape kept
    expect(body['user_metadata']).toEqual({
      address: { street: hash('1 Main St'), zip: hash('94105') },
    });
    // the log itself is not changed
    expect((created.details as { request: { body: { email: string } } }).request.body.email).toBe(
      'jane.doe@example.org',
    );
  });

  it('mask: only the fields asked for; an email or phone number inside other strings too', () => {
    const emails = piiRedactor({ fields: ['email'], method: 'mask', key: undefined });
    const out = emails(created) as unknown as Record<string, unknown>;
    expect(out['description']).toBe(`Create a User for ${PII_MASK}`);
    expect(out['user_name']).toBe('jdoe');
    expect(out['ip']).toBe('203.0.113.7');
    const phones = piiRedactor({ fields: ['phone'], method: 'mask', key: undefined });
    const login = phones(sms) as unknown as { user_name: string; details: unknown };
    expect(login.user_name).toBe(PII_MASK);
    expect(login.details).toEqual({ prompts: [{ name: 'login', user_name: PII_MASK }] });
  });

  it('the same value hashes the same in every field and log', () => {
    const hide = piiRedactor({ fields: ['phone', 'username'], method: 'hash', key });
    const a = hide(created) as unknown as {
      details: { request: { body: { phone_number: string } } };
    };
    const b = hide(sms) as unknown as { user_name: string };
    expect(a.details.request.body.phone_number).toBe(b.user_name);
    expect(b.user_name).toBe(hash('+14155550123'));
  });
});

describe('format', () => {
  it("'stream' wraps each log as {log_id, data} after pii; 'raw' without pii leaves logs as they are", () => {
    expect(createShaper({ format: 'raw', pii: undefined })).toBeUndefined();
    const shaped = createShaper({
      format: 'stream',
      pii: { fields: ['email'], method: 'mask', key: undefined },
    })?.([created]);
    const record = shaped?.[0];
    expect(record && isStreamRecord(record)).toBe(true);
    expect(Object.keys(record ?? {})).toEqual(['log_id', 'data']);
    expect(record && logOf(record).description).toBe(`Create a User for ${PII_MASK}`);
    expect(isStreamRecord(created)).toBe(false);
  });

  it('Elasticsearch: the document keeps the envelope, @timestamp from data.date, no _id inside', () => {
    const record = createShaper({ format: 'stream', pii: undefined })?.([
      { ...created, _id: 'legacy-id' },
    ])[0] as LogEvent;
    const [action, doc] = bulkLines(record, 'logs-auth0-default')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, Record<string, unknown>>);
    expect(action?.['create']).toEqual({ _index: 'logs-auth0-default', _id: created.log_id });
    expect(doc?.['@timestamp']).toBe(created.date);
    expect(doc?.['log_id']).toBe(created.log_id);
    expect(doc?.['data']?.['_id']).toBeUndefined();
    expect(doc?.['data']?.['auth0_id']).toBe('legacy-id');
    expect(doc?.['data']?.['type']).toBe('sapi');
  });
});

describe('the shaping options', () => {
  const resolve = (options: Record<string, unknown>) => () =>
    resolveProcessorOptions({
      domain: 'acme.auth0.com',
      clientId: 'c',
      clientSecret: 's',
      ...options,
    });

  it('are refused by name when malformed', () => {
    expect(resolve({ format: 'json' })).toThrow(
      `Expected \`format\` to be 'raw' or 'stream', got "json"`,
    );
    expect(resolve({ pii: 5 })).toThrow(/Expected `pii` to be an array of first_name, last_name/);
    expect(resolve({ pii: ['mail'] })).toThrow(
      '`mail` is not a PII field (`pii`); did you mean `email`?',
    );
    expect(resolve({ pii: 'email', piiMethod: 'sha1' })).toThrow(
      `Expected \`piiMethod\` to be 'mask' or 'hash', got "sha1"`,
    );
    expect(resolve({ categories: [3] })).toThrow(
      /Expected `categories` to be an array of Log Streams/,
    );
    expect(resolve({ categories: 'nothing.like.it.at.all' })).toThrow(
      /is not an Auth0 Log Streams category; the categories are actions, auth\.login\.fail/,
    );
  });

  it('default to raw, nothing hidden, no category; blank or - is none', () => {
    const o = resolveProcessorOptions({
      domain: 'acme.auth0.com',
      clientId: 'c',
      clientSecret: 's',
    });
    expect(o.shape).toEqual({ format: 'raw', pii: undefined });
    expect(o.categories).toEqual([]);
    expect(resolve({ pii: '-', categories: '' })()).toMatchObject({
      categories: [],
      shape: { pii: undefined },
    });
    // mask needs no key, and ignores one
    expect(resolve({ pii: 'ip', piiKey: 'x' })().shape.pii).toEqual({
      fields: ['ip'],
      method: 'mask',
      key: undefined,
    });
  });
});
