import { createHmac } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { inspect } from 'node:util';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { datadog } from '../../src/destinations/datadog';
import { elastic } from '../../src/destinations/elastic';
import { file } from '../../src/destinations/file';
import type { DestinationHandler } from '../../src/destinations/handler';
import { post } from '../../src/destinations/post';
import { s3 } from '../../src/destinations/s3';
import { splunk } from '../../src/destinations/splunk';
import { LogsProcessor } from '../../src/processor';
import { LogsApiStream } from '../../src/stream';
import { PII_MASK } from '../../src/pipeline/shape/pii';
import type { LogEvent } from '../../src/types';
import { FAKE_TENANT_SHAPES } from '../../src/testing';
import { tempDir } from '../support/cli';
import { startDatadogPeer } from '../support/datadog-peer';
import { startElasticPeer } from '../support/elastic-peer';
import { startHecPeer } from '../support/hec-peer';
import { startPeer } from '../support/peer';
import { S3RVER_CREDENTIALS, startS3Peer } from '../support/s3-peer';
import { ship } from '../support/ship';
import { credentials, memoryStorage, useTenant } from '../support/tenant';

const TOTAL = 400;
const KEY = 'k3y-for-the-shape-test-0123456789';
// a real tenant's shape: busy hours and quiet nights over two days, 1 % of logs written late
const tenant = useTenant({ ...FAKE_TENANT_SHAPES.realistic, logs: TOTAL });
const rawLogs = (): LogEvent[] => Array.from({ length: TOTAL }, (_, k) => tenant().logAt(k));
const hmac = (value: string) => createHmac('sha256', KEY).update(value).digest('hex');

/** One destination with its local stand-in: what it stored, as records (one per log). */
interface Stand {
  handler: DestinationHandler;
  /** Each stored record, and the raw text the destination received. */
  stored(): Promise<{ records: Array<Record<string, unknown>>; text: string }>;
  close(): Promise<void>;
}

const saved = { ...process.env };
afterAll(() => {
  process.env = saved;
});

async function stands(dir: string): Promise<Record<string, Stand>> {
  const out = path.join(dir, 'logs.ndjson');
  const collector = await startPeer(() => ({ status: 200, body: { ok: true } }));
  const hec = await startHecPeer('hec-token-12345678');
  const dd = await startDatadogPeer('dd-api-key-12345678');
  const es = await startElasticPeer('ApiKey ZXMtaWQ6ZXMtc2VjcmV0');
  const bucket = await startS3Peer();
  process.env['AWS_ACCESS_KEY_ID'] = S3RVER_CREDENTIALS.accessKeyId;
  process.env['AWS_SECRET_ACCESS_KEY'] = S3RVER_CREDENTIALS.secretAccessKey;
  process.env['AWS_REGION'] = 'us-east-1';
  const reader = new S3Client({
    endpoint: bucket.endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: S3RVER_CREDENTIALS,
  });
  const lines = (text: string) =>
    text
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return {
    file: {
      handler: file({ path: out }),
      async stored() {
        const text = await fs.readFile(out, 'utf8');
        return { records: lines(text), text };
      },
      close: async () => undefined,
    },
    post: {
      handler: post({ url: new URL(collector.url) }),
      async stored() {
        const text = collector.requests.map((r) => r.body.toString()).join('\n');
        const records = collector.requests.flatMap(
          (r) => JSON.parse(r.body.toString()) as Array<Record<string, unknown>>,
        );
        return { records, text };
      },
      close: () => collector.close(),
    },
    splunk: {
      handler: splunk({ url: hec.url, token: 'hec-token-12345678' }),
      async stored() {
        return {
          records: hec.events.map((e) => e.event),
          text: hec.requests.map((r) => r.body.toString()).join('\n'),
        };
      },
      close: () => hec.close(),
    },
    datadog: {
      handler: datadog({ site: dd.url, apiKey: 'dd-api-key-12345678' }),
      async stored() {
        return { records: dd.entries, text: JSON.stringify(dd.entries) };
      },
      close: () => dd.close(),
    },
    elastic: {
      handler: elastic({ url: es.url, apiKey: 'ZXMtaWQ6ZXMtc2VjcmV0' }),
      async stored() {
        const records = [...es.docs.entries()].map(([key, doc]) => {
          // keyed by log_id as with raw logs, and no `_id` inside a document
          expect(key.split('/')[1]).toBe(doc['log_id']);
          return doc;
        });
        return { records, text: es.requests.map((r) => r.body.toString()).join('\n') };
      },
      close: () => es.close(),
    },
    s3: {
      handler: s3({
        bucket: bucket.bucket,
        tenant: 'acme',
        endpoint: bucket.endpoint,
        maxAttempts: 1,
      }),
      async stored() {
        const list = await reader.send(new ListObjectsV2Command({ Bucket: bucket.bucket }));
        let text = '';
        for (const { Key } of list.Contents ?? []) {
          const object = await reader.send(new GetObjectCommand({ Bucket: bucket.bucket, Key }));
          const body = await (
            object.Body as { transformToByteArray(): Promise<Uint8Array> }
          ).transformToByteArray();
          text += gunzipSync(Buffer.from(body)).toString();
        }
        return { records: lines(text), text };
      },
      close: async () => {
        reader.destroy();
        await bucket.close();
      },
    },
  };
}

describe("format 'stream' and pii hash, through every destination", () => {
  let dir: string;
  let all: Record<string, Stand>;
  let status: { error?: string; logsProcessed: number } | undefined;
  beforeAll(async () => {
    dir = await tempDir();
    all = await stands(dir);
    // one run whose every batch each destination must store (all six see the same shaped logs)
    const { result } = await ship(
      tenant(),
      async (logs) => {
        await Promise.all(Object.values(all).map((stand) => stand.handler(logs)));
      },
      { batchSize: 150, format: 'stream', pii: 'email,username', piiMethod: 'hash', piiKey: KEY },
    );
    status = result.status;
  });
  afterAll(async () => {
    for (const stand of Object.values(all)) {
      await stand.handler.close();
      await stand.close();
    }
    await fs.rm(dir, { recursive: true, force: true });
  });

  it.each(['file', 'post', 'splunk', 'datadog', 'elastic', 's3'])(
    '%s stores {log_id, data} per log; no email or user name in clear; one user, one hash',
    async (kind) => {
      expect(status?.error).toBeUndefined();
      expect(status?.logsProcessed).toBe(TOTAL);
      const { records, text } = await (all[kind] as Stand).stored();
      const raw = rawLogs();
      expect(records.map((r) => r['log_id']).sort()).toEqual(raw.map((l) => l.log_id).sort());
      const byId = new Map(raw.map((log) => [log.log_id, log]));
      // the Log Streams envelope: the log under `data`, nothing of it at the top
      const seen = (record: Record<string, unknown>) => {
        const data = record['data'] as Record<string, unknown>;
        return { top: record['type'], ...pick(data), _id: data['_id'] };
      };
      const pick = (log: Record<string, unknown>) => ({
        type: log['type'],
        date: log['date'],
        ip: log['ip'],
        user_name: log['user_name'],
      });
      expect(records.map(seen)).toEqual(
        records.map((record) => {
          const log = byId.get(record['log_id'] as string) as LogEvent;
          const name = log.user_name === undefined ? undefined : hmac(log.user_name);
          return {
            top: undefined,
            ...pick({ ...log, user_name: name }),
            _id: kind === 'elastic' ? undefined : log._id,
          };
        }),
      );
      // every user name of the fake tenant is an email at example.com: none is left anywhere
      const names = new Set(raw.flatMap((log) => (log.user_name ? [log.user_name] : [])));
      expect(names.size).toBeGreaterThan(10);
      expect([...names].every((name) => name.endsWith('@example.com'))).toBe(true);
      expect(text).not.toMatch(/@example\.com/);
      expect(text).not.toContain(KEY);
      // two logs of one user carry the same hash
      const hashes = new Map<string, Set<unknown>>();
      for (const record of records) {
        const name = byId.get(record['log_id'] as string)?.user_name;
        if (name === undefined) continue;
        const set = hashes.get(name) ?? new Set();
        set.add((record['data'] as Record<string, unknown>)['user_name']);
        hashes.set(name, set);
      }
      const repeated = [...hashes.keys()].filter(
        (name) => raw.filter((log) => log.user_name === name).length > 1,
      );
      expect(repeated.length).toBeGreaterThan(0);
      expect(repeated.map((name) => hashes.get(name)?.size)).toEqual(repeated.map(() => 1));
    },
  );
});

describe('categories', () => {
  it('ship exactly the types the categories cover, with logTypes added', async () => {
    const shipped: LogEvent[] = [];
    const { result } = await ship(
      tenant(),
      async (logs) => {
        shipped.push(...logs);
      },
      { categories: ['auth.login.fail', 'user.success'], logTypes: 'ssa' },
    );
    expect(result.status.error).toBeUndefined();
    const covered = new Set(['f', 'fc', 'fco', 'fcoa', 'fens', 'fp', 'fu', 'ssa']);
    for (const code of ['sce', 'scp', 'scpn', 'scpr', 'scu', 'sdu', 'srrt', 'sui', 'sv', 'svr'])
      covered.add(code);
    const expected = rawLogs().filter((log) => covered.has(log.type));
    expect(expected.length).toBeGreaterThan(20);
    expect(new Set(expected.map((l) => l.type))).toEqual(
      new Set(['f', 'fp', 'fu', 'ssa', 'sv', 'scp']),
    );
    expect(shipped.map((l) => l.log_id)).toEqual(expected.map((l) => l.log_id));
  });

  it('other ships what no category covers, types unknown to the catalog included', async () => {
    const shipped: LogEvent[] = [];
    await ship(
      tenant(),
      async (logs) => {
        shipped.push(...logs);
      },
      { categories: 'other' },
    );
    // the fake tenant's du (legacy; Auth0 now writes sdu) and gd_send_sms are in no category
    expect(new Set(shipped.map((l) => l.type))).toEqual(new Set(['du', 'gd_send_sms']));
  });

  it('LogsApiStream keeps the categories too, added to its types', async () => {
    const stream = new LogsApiStream({
      ...credentials(tenant()),
      categories: 'auth.signup.success',
      types: ['w'],
    });
    const kept: string[] = [];
    for await (const page of stream.pages(100)) kept.push(...page.logs.map((log) => log.type));
    const expected = rawLogs().filter((log) => log.type === 'ss' || log.type === 'w');
    expect(expected.length).toBeGreaterThan(3);
    expect(kept).toEqual(expected.map((log) => log.type));
    expect(
      () => new LogsApiStream({ ...credentials(tenant()), categories: ['user.sucess'] }),
    ).toThrow('`user.sucess` is not an Auth0 Log Streams category; did you mean `user.success`?');
  });

  it('an unknown category is refused naming the nearest, before any request', async () => {
    const processor = new LogsProcessor(memoryStorage(), {
      ...credentials(tenant()),
      categories: 'auth.login.fial,user.fail',
    });
    expect(processor.optionsError?.message).toBe(
      '`auth.login.fial` is not an Auth0 Log Streams category; did you mean `auth.login.fail`?',
    );
    expect(processor.optionsError?.option).toBe('categories');
  });
});

describe('the pii key', () => {
  it('never shows in util.inspect of the processor, nor in an error about it', () => {
    const processor = new LogsProcessor(memoryStorage(), {
      ...credentials(tenant()),
      pii: ['email'],
      piiMethod: 'hash',
      piiKey: KEY,
    });
    expect(processor.optionsError).toBeUndefined();
    expect(inspect(processor, { depth: 12, showHidden: true })).not.toContain(KEY);
    const short = new LogsProcessor(memoryStorage(), {
      ...credentials(tenant()),
      pii: ['email'],
      piiMethod: 'hash',
      piiKey: 'short-k3y',
    });
    expect(short.optionsError?.message).toMatch(
      /`piiKey` to be a string of at least 16 characters/,
    );
    expect(short.optionsError?.message).not.toContain('short-k3y');
    const none = new LogsProcessor(memoryStorage(), {
      ...credentials(tenant()),
      pii: ['email'],
      piiMethod: 'hash',
    });
    expect(none.optionsError?.message).toMatch(/AUTH0_LOG_TOOLS_PII_KEY/);
  });

  it("is masked in the run's status and logs when an error carries it", async () => {
    const { result, lines } = await ship(
      tenant(),
      async () => {
        throw new Error(`collector echoed its configuration: key=${KEY}`);
      },
      { pii: 'email', piiMethod: 'hash', piiKey: KEY, maxRetries: 0, onBatchFailure: 'stop' },
    );
    expect(result.status.error).toContain('collector echoed its configuration: key=[REDACTED]');
    expect(JSON.stringify(result) + lines.join('\n')).not.toContain(KEY);
  });
});

describe('the dead letter', () => {
  it('holds the shaped log, personal data hidden', async () => {
    const es = await startElasticPeer('ApiKey ZXMtaWQ6ZXMtc2VjcmV0');
    const refused = rawLogs().findIndex((log) => log.user_name !== undefined);
    es.refuseAlways(tenant().logIdAt(refused), {
      status: 400,
      type: 'mapper_parsing_exception',
      reason: 'failed to parse field [data.details]',
    });
    const handler = elastic({ url: es.url, apiKey: 'ZXMtaWQ6ZXMtc2VjcmV0' });
    const entries: Array<{ log_id: string; log: unknown }> = [];
    try {
      const { result } = await ship(tenant(), handler, {
        format: 'stream',
        pii: ['username', 'email'],
        deadLetter: async (refusedLogs) => {
          entries.push(...refusedLogs);
        },
      });
      expect(result.status.logsDeadLettered).toBe(1);
    } finally {
      await handler.close();
      await es.close();
    }
    expect(entries.map((e) => e.log_id)).toEqual([tenant().logIdAt(refused)]);
    expect(entries[0]?.log).toMatchObject({
      log_id: tenant().logIdAt(refused),
      data: { user_name: PII_MASK, type: rawLogs()[refused]?.type },
    });
  });
});
