import { isArgumentError } from '../../src/errors';
import { resolveClientOptions } from '../../src/options/client';
import { assertHandler, resolveProcessorOptions } from '../../src/options/processor';
import { resolveStreamOptions, takeOption } from '../../src/options/stream';
import { datadog } from '../../src/destinations/datadog';
import { elastic } from '../../src/destinations/elastic';
import { s3 } from '../../src/destinations/s3';
import { splunk } from '../../src/destinations/splunk';
import { FileStorage } from '../../src/storage/file';
import { checkLeaseSeconds } from '../../src/storage/lease';
import { PostgresStorage } from '../../src/storage/postgres';
import { RedisStorage } from '../../src/storage/redis';
import { resolveOptions as resolveFakeTenantOptions } from '../../src/testing/options';
import { resolveClusterWorkerOptions } from '../../src/cluster/worker-options';
import type { ClusterWorkerOptions } from '../../src/cluster/worker-options';
import { parseServeConfig } from '../../src/cluster/config';

/** Every option fault reads like this (p-retry's form). */
const ONE_FORM = /^Expected `[^`]+` to be .+, got .+$/s;
/**
 * A required setting left blank (nothing was given) or a secret (never quoted, not even its
 * shape): the kit's `unquoted`, the same form without `, got ...`.
 */
const UNQUOTED_FORM = /^Expected `[^`]+` to be (?:(?!, got ).)+$/s;

const creds = { domain: 'acme.auth0.com', clientId: 'id-123', clientSecret: 'not-the-secret-42ab' };
const hec = { url: 'https://hec.example:8088', token: 'hec-token-0123' };
const tenant = { id: 'acme', processor: creds, handler: async () => undefined };
const worker = (options: Partial<ClusterWorkerOptions>) =>
  resolveClusterWorkerOptions({ redis: 'redis://127.0.0.1:6379', tenants: [tenant], ...options });

/** [kit, option, call]: each call refuses one value of `option`. */
const SAMPLES: Array<[string, string, () => unknown]> = [
  ['client', 'timeoutMs', () => resolveClientOptions({ ...creds, timeoutMs: 0 })],
  ['client', 'maxResponseBytes', () => resolveClientOptions({ ...creds, maxResponseBytes: -1 })],
  ['client', 'domain', () => resolveClientOptions({ ...creds, domain: 'a b' })],
  ['client', 'clientSecret', () => resolveClientOptions({ ...creds, clientSecret: 5 as never })],
  ['client', 'tokenCache', () => resolveClientOptions({ ...creds, tokenCache: {} as never })],
  ['client', 'http', () => resolveClientOptions({ ...creds, http: {} as never })],
  ['client', 'now', () => resolveClientOptions({ ...creds, now: 5 as never })],
  ['client', 'ca', () => resolveClientOptions({ ...creds, ca: 5 as never })],
  ['client', 'logger', () => resolveClientOptions({ ...creds, logger: 'console' as never })],
  ['stream', 'maxRetries', () => resolveStreamOptions({ maxRetries: 101 })],
  ['stream', 'checkpointId', () => resolveStreamOptions({ checkpointId: 'abc' })],
  ['stream', 'waitOnRateLimit', () => resolveStreamOptions({ waitOnRateLimit: 'yes' })],
  ['stream', 'start', () => resolveStreamOptions({ start: 'soon' })],
  ['stream', 'sleep', () => resolveStreamOptions({ sleep: 5 as never })],
  ['stream', 'take', () => takeOption(0, 100)],
  ['processor', 'batchSize', () => resolveProcessorOptions({ batchSize: 0 })],
  ['processor', 'concurrency', () => resolveProcessorOptions({ concurrency: 65 })],
  ['processor', 'backfillCursors', () => resolveProcessorOptions({ backfillCursors: '33' })],
  ['processor', 'logLevel', () => resolveProcessorOptions({ logLevel: 5 })],
  ['processor', 'maxRunTimeSeconds', () => resolveProcessorOptions({ maxRunTimeSeconds: -1 })],
  ['processor', 'startFrom', () => resolveProcessorOptions({ startFrom: 'abc' })],
  ['processor', 'onBatchFailure', () => resolveProcessorOptions({ onBatchFailure: 'x' as never })],
  ['processor', 'onProgress', () => resolveProcessorOptions({ onProgress: 5 as never })],
  ['processor', 'handler', () => assertHandler(undefined)],
  ['splunk', 'timeoutMs', () => splunk({ ...hec, timeoutMs: 0 })],
  ['splunk', 'allowInsecureHttp', () => splunk({ ...hec, allowInsecureHttp: 'maybe' })],
  ['datadog', 'timeoutMs', () => datadog({ apiKey: 'dd-key', timeoutMs: 'soon' })],
  ['elastic', 'index', () => elastic({ url: hec.url, apiKey: 'es-key', index: ' ' })],
  ['s3', 'maxAttempts', () => s3({ bucket: 'b-1', tenant: 't', maxAttempts: 0 })],
  ['FileStorage', 'path', () => new FileStorage('')],
  ['FileStorage', 'mode', () => new FileStorage('state.json', { mode: 0o1000 })],
  ['FileStorage', 'lockStaleMs', () => new FileStorage('state.json', { lockStaleMs: 100 })],
  ['RedisStorage', 'key', () => new RedisStorage({ redis: 'redis://127.0.0.1:1', key: '' })],
  ['RedisStorage', 'redis', () => new RedisStorage({ redis: 5 as never, key: 'k' })],
  [
    'RedisStorage',
    'leaseSeconds',
    () => new RedisStorage({ redis: 'redis://127.0.0.1:1', key: 'k', leaseSeconds: 0 }),
  ],
  ['PostgresStorage', 'postgres', () => new PostgresStorage({ postgres: 5 as never, key: 'k' })],
  [
    'PostgresStorage',
    'table',
    () => new PostgresStorage({ postgres: 'postgres://127.0.0.1:1', key: 'k', table: 'a b' }),
  ],
  [
    'PostgresStorage',
    'leaseSeconds',
    () => new PostgresStorage({ postgres: 'postgres://127.0.0.1:1', key: 'k', leaseSeconds: 1e6 }),
  ],
  ['lease', 'leaseSeconds', () => checkLeaseSeconds('30')],
  ['fake tenant', 'port', () => resolveFakeTenantOptions({ port: 70000 })],
  ['fake tenant', 'failRate', () => resolveFakeTenantOptions({ failRate: 2 })],
  ['fake tenant', 'latencyMs', () => resolveFakeTenantOptions({ latencyMs: -1 })],
  ['fake tenant', 'clientSecret', () => resolveFakeTenantOptions({ clientSecret: '' })],
  ['fake tenant', 'startDate', () => resolveFakeTenantOptions({ startDate: 'not a date' })],
  [
    'fake tenant',
    'rateLimit',
    () => resolveFakeTenantOptions({ rateLimit: { burst: 0, perSecond: 1 } }),
  ],
  ['cluster worker', 'redis', () => worker({ redis: undefined as never })],
  ['cluster worker', 'leaseSeconds', () => worker({ leaseSeconds: 0 })],
  [
    'cluster worker',
    'receive',
    () => worker({ tenants: [{ ...tenant, receive: { path: '/acme' } }] }),
  ],
  ['cluster worker', 'port', () => worker({ receive: { host: '127.0.0.1', port: 70_000 } })],
  [
    'cluster worker',
    'settleSeconds',
    () => worker({ receive: { host: '127.0.0.1', port: 0, settleSeconds: -1 } }),
  ],
  ['cluster worker', 'stopTimeoutSeconds', () => worker({ stopTimeoutSeconds: -1 })],
  [
    'cluster worker',
    'intervalSeconds',
    () => worker({ tenants: [{ ...tenant, intervalSeconds: 0 }] }),
  ],
  ['cluster worker', 'handler', () => worker({ tenants: [{ ...tenant, handler: 5 as never }] })],
  ['cluster worker', 'tenants', () => worker({ tenants: [tenant, tenant] })],
];

/**
 * Messages that keep another form, each because a test (or the original's suite) asserts its
 * wording: [kit, option, call, the form it keeps, why].
 */
const EXCEPTIONS: Array<[string, string, () => unknown, RegExp, string]> = [
  [
    'client',
    'options',
    () => resolveClientOptions(undefined as never),
    /^Must provide an options object$/,
    "the original's suite asserts /Must provide an options object/ (client.tests.js)",
  ],
  [
    'client',
    'domain',
    () => resolveClientOptions({ ...creds, domain: undefined as never }),
    /^Must provide a valid `domain`$/,
    "the original's wording for a missing credential, which drop-in users may match",
  ],
  [
    'splunk',
    'tokne',
    () => splunk({ ...hec, tokne: 'x' } as never),
    /^Unknown option `splunk\.tokne` for splunk; expected one of /,
    'test/destinations/splunk.test.ts and test/cli/ship/to-parse.test.ts assert "Unknown option `…` for splunk; expected one of …"',
  ],
  [
    'splunk',
    'splunk',
    () => splunk(null as never),
    /^Expected `splunk` options to be an object, got null$/,
    'test/destinations/splunk.test.ts asserts "`splunk` options to be an object"',
  ],
];

/** [kit, option, call]: each call leaves a required `option` blank, or refuses a secret. */
const UNQUOTED_SAMPLES: Array<[string, string, () => unknown]> = [
  ['splunk', 'token', () => splunk({ ...hec, token: '' })],
  ['splunk', 'token', () => splunk({ ...hec, token: ' padded ' })],
  ['datadog', 'apiKey', () => datadog({} as never)],
  ['s3', 'tenant', () => s3({ bucket: 'b-1', tenant: '' })],
];

function refusal(call: () => unknown): Error & { option?: string } {
  try {
    call();
  } catch (error) {
    return error as Error & { option?: string };
  }
  throw new Error('the value was accepted');
}

describe('every option fault has the one form', () => {
  it.each(SAMPLES)(
    '%s refuses a bad `%s` as an ArgumentError in the one form',
    (_, option, call) => {
      const error = refusal(call);
      expect(isArgumentError(error)).toBe(true);
      expect(error.option).toBe(option);
      expect(error.message).toMatch(ONE_FORM);
      // the name shown may be qualified (`splunk.timeoutMs`, `rateLimit.burst`)
      expect(/^Expected `([^`]+)`/.exec(error.message)?.[1]).toContain(option);
    },
  );

  it.each(UNQUOTED_SAMPLES)(
    '%s refuses a blank or bad `%s`, quoting nothing',
    (_, option, call) => {
      const error = refusal(call);
      expect(isArgumentError(error)).toBe(true);
      expect(error.option).toBe(option);
      expect(error.message).toMatch(UNQUOTED_FORM);
      expect(/^Expected `([^`]+)`/.exec(error.message)?.[1]).toContain(option);
    },
  );

  it.each(EXCEPTIONS)('%s keeps the form of `%s` a test asserts', (_, option, call, form) => {
    const error = refusal(call);
    expect(isArgumentError(error)).toBe(true);
    expect(error.option).toBe(option);
    expect(error.message).toMatch(form);
  });

  it('never shows a credential, only its type', () => {
    const secret = 'not-the-secret-42ab';
    for (const call of [
      () => splunk({ ...hec, token: ` ${secret} ` }),
      () => resolveFakeTenantOptions({ clientSecret: 42 as never }),
      () => resolveClientOptions({ ...creds, clientSecret: [secret] as never }),
    ])
      expect(refusal(call).message).not.toContain(secret);
  });

  it("words the serve configuration's range faults as the kit does, under the key's path", () => {
    const message = refusal(() =>
      parseServeConfig(
        {
          redis: 'redis://127.0.0.1:6379',
          leaseSeconds: 0,
          tenants: [{ ...creds, id: 'acme', batchSize: 5000, post: { url: 'https://x.example' } }],
        },
        {},
      ),
    ).message;
    expect(message).toContain(
      'leaseSeconds: Expected `leaseSeconds` to be a number from 1 to 86400, got 0',
    );
    expect(message).toContain(
      'tenants[0].batchSize (tenant "acme"): Expected `batchSize` to be an integer from 1 to 1000, got 5000',
    );
  });
});
