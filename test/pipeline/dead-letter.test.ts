import { promises as fs } from 'node:fs';
import path from 'node:path';
import { elastic } from '../../src/destinations/elastic';
import { fileDeadLetter } from '../../src/destinations/dead-letter';
import { isDestinationError } from '../../src/destinations/errors';
import { LogsProcessor } from '../../src/processor';
import { runShip } from '../../src/cli/ship/command';
import { parseServeConfig } from '../../src/cluster/config';
import { tenantProcessorOptions } from '../../src/cluster/tenant-options';
import { createClusterMetrics } from '../../src/cluster/metrics';
import { type ElasticPeer, startElasticPeer } from '../support/elastic-peer';
import { captureIo, startEndpoint, tempDir } from '../support/cli';
import { failure } from '../support/ship';
import { credentials, memoryStorage, useTenant } from '../support/tenant';

const ES_KEY = 'ZXMtaWQ6ZXMtc2VjcmV0LWtleS0zMzQ0';
const TOTAL = 500;
const REFUSED = 123;
const tenant = useTenant({ logs: TOTAL, startDate: Date.now() - 3600_000 });
const MAPPING = {
  status: 400,
  type: 'mapper_parsing_exception',
  reason: "failed to parse field [details.error] of type [long] in document with id 'x'",
};
let peer: ElasticPeer;
let dir: string;

beforeEach(async () => {
  peer = await startElasticPeer(`ApiKey ${ES_KEY}`);
  peer.refuseAlways(tenant().logIdAt(REFUSED), MAPPING);
  dir = await tempDir();
});
afterEach(async () => {
  await peer.close();
  await fs.rm(dir, { recursive: true, force: true });
});

const storedIds = () => [...peer.docs.keys()].map((k) => k.split('/')[1]);
const othersIds = () =>
  Array.from({ length: TOTAL }, (_, i) => tenant().logIdAt(i)).filter((_, i) => i !== REFUSED);

describe('a document a destination refuses for good', () => {
  it('elastic lists it typed (log_id and reason) on a permanent DestinationError', async () => {
    const handler = elastic({ url: peer.url, apiKey: ES_KEY });
    const logs = [REFUSED - 1, REFUSED, REFUSED + 1].map((i) => ({
      log_id: tenant().logIdAt(i),
      date: new Date().toISOString(),
      type: 's',
    }));
    const error = await failure(handler, logs);
    await handler.close();
    expect(isDestinationError(error) && error.permanent).toBe(true);
    expect(isDestinationError(error) && error.rejected).toEqual([
      {
        log_id: tenant().logIdAt(REFUSED),
        reason: `400 mapper_parsing_exception: ${MAPPING.reason}`,
      },
    ]);
  });

  it('goes to the dead letter with its reason; every other log ships and the checkpoint moves', async () => {
    const file = path.join(dir, 'refused.ndjson');
    // an item refused for a while (429) in the same batch is retried, never dead-lettered
    peer.refuseOnce(tenant().logIdAt(150), {
      status: 429,
      type: 'es_rejected_execution_exception',
      reason: 'queue is full',
    });
    const handler = elastic({ url: peer.url, apiKey: ES_KEY });
    const { status, checkpoint } = await new LogsProcessor(memoryStorage(), {
      ...credentials(tenant()),
      sleep: async () => undefined,
      onBatchFailure: 'stop',
      deadLetter: fileDeadLetter(file),
    }).run(handler);
    await handler.close();
    expect(status.error).toBeUndefined();
    expect(status.logsDeadLettered).toBe(1);
    expect(status.logsProcessed).toBe(TOTAL);
    expect(checkpoint).toBe(tenant().logIdAt(TOTAL - 1));
    expect(storedIds().sort()).toEqual(othersIds());
    const lines = (await fs.readFile(file, 'utf8')).trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0] as string) as Record<string, Record<string, unknown>>;
    expect(entry['log_id']).toBe(tenant().logIdAt(REFUSED));
    expect(entry['reason']).toBe(`400 mapper_parsing_exception: ${MAPPING.reason}`);
    expect(entry['log']?.['log_id']).toBe(tenant().logIdAt(REFUSED));
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
  });

  it('without a dead letter stops at that batch, naming the setting; nothing skipped', async () => {
    const handler = elastic({ url: peer.url, apiKey: ES_KEY });
    const { status, checkpoint } = await new LogsProcessor(memoryStorage(), {
      ...credentials(tenant()),
      sleep: async () => undefined,
      onBatchFailure: 'stop',
    }).run(handler);
    await handler.close();
    expect(status.stopReason).toBe('failed');
    expect(status.permanent).toBe(true);
    expect(status.error).toMatch(/mapper_parsing_exception/);
    expect(status.error).toContain('`deadLetter`');
    expect(status.error).toContain('ship --dead-letter <file>');
    expect(status.skipped).toBeUndefined();
    // batches of 100: the batch holding log 123 (logs 100-199) is not acknowledged
    expect(checkpoint).toBe(tenant().logIdAt(99));
  });

  it('a dead letter that cannot be written stops the run; the batch is sent again next run', async () => {
    const handler = elastic({ url: peer.url, apiKey: ES_KEY });
    const { status, checkpoint } = await new LogsProcessor(memoryStorage(), {
      ...credentials(tenant()),
      sleep: async () => undefined,
      onBatchFailure: 'stop',
      deadLetter: fileDeadLetter(path.join(dir, 'missing-folder', 'refused.ndjson')),
    }).run(handler);
    await handler.close();
    expect(status.errorCode).toBe('dead_letter_enoent');
    expect(status.logsDeadLettered).toBeUndefined();
    expect(checkpoint).toBe(tenant().logIdAt(99));
  });

  it('ship --dead-letter: exit 0, the refused log in the file, every other log in Elasticsearch', async () => {
    const caFile = path.join(dir, 'ca.pem');
    await fs.writeFile(caFile, tenant().ca);
    const ship = async (extra: string[]) => {
      const capture = captureIo({
        env: {
          AUTH0_DOMAIN: tenant().domain,
          AUTH0_CLIENT_ID: tenant().clientId,
          AUTH0_CLIENT_SECRET: tenant().clientSecret,
          ELASTIC_API_KEY: ES_KEY,
        },
      });
      const state = path.join(dir, `state-${extra.length}.json`);
      const code = await runShip(
        ['--ca-file', caFile, '--state', state, '--to', `elastic:${peer.url}`, ...extra],
        capture.io,
      );
      return { code, out: capture.stdout() + capture.stderr() };
    };
    const without = await ship([]);
    expect(without.code).toBe(1);
    expect(without.out).toContain('--dead-letter');
    const file = path.join(dir, 'dead.ndjson');
    const run = await ship(['--dead-letter', file, '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.out.trim().split('\n').at(-1) as string)).toMatchObject({
      status: 'ok',
      deadLetteredLogs: 1,
      skippedLogs: 0,
    });
    expect(storedIds().sort()).toEqual(othersIds());
    const entry = JSON.parse((await fs.readFile(file, 'utf8')).trim()) as { log_id: string };
    expect(entry.log_id).toBe(tenant().logIdAt(REFUSED));
  });

  it('ship refuses a bad --on-batch-failure and a --dead-letter in a missing folder, naming the flag', async () => {
    const capture = captureIo({ env: { AUTH0_DOMAIN: 'a.auth0.com' } });
    expect(await runShip(['--on-batch-failure', 'drop'], capture.io)).toBe(2);
    expect(capture.stderr()).toContain(
      "Expected --on-batch-failure to be stop or skip, got 'drop'",
    );
    const again = captureIo();
    expect(await runShip(['--dead-letter', path.join(dir, 'no', 'x.ndjson')], again.io)).toBe(2);
    expect(again.stderr()).toMatch(/--dead-letter .*does not exist; create it first/);
  });
});

describe('serve keys onBatchFailure and deadLetter', () => {
  it('a tenant stops on a failed batch unless it says skip; its dead letter is a file', () => {
    const tenantDoc = {
      id: 'acme',
      domain: 'acme.eu.auth0.com',
      clientId: 'client',
      clientSecret: 'secret-value-123',
      post: { url: 'https://collector.example/in' },
    };
    const config = parseServeConfig({
      redis: 'redis://127.0.0.1:6379',
      tenants: [
        tenantDoc,
        { ...tenantDoc, id: 'b', onBatchFailure: 'skip', deadLetter: '/var/lib/dead.ndjson' },
      ],
    });
    const [a, b] = config.tenants.map((t) => tenantProcessorOptions(t));
    expect(a?.onBatchFailure).toBe('stop');
    expect(a?.deadLetter).toBeUndefined();
    expect(b?.onBatchFailure).toBe('skip');
    expect(typeof b?.deadLetter).toBe('function');
    expect(() =>
      parseServeConfig({
        redis: 'redis://127.0.0.1:6379',
        tenants: [{ ...tenantDoc, onBatchFailure: 'drop' }],
      }),
    ).toThrow(/onBatchFailure/);
  });

  it('counts skipped and dead-lettered logs in the metrics', async () => {
    const metrics = await createClusterMetrics();
    metrics.record({
      time: new Date().toISOString(),
      tenant: 'acme',
      worker: 'w',
      logsProcessed: 400,
      stopReason: 'failed',
      logsSkipped: 100,
      logsDeadLettered: 2,
    });
    const text = await metrics.registry.metrics();
    expect(text).toContain('auth0_log_tools_logs_skipped_total{tenant="acme"} 100');
    expect(text).toContain('auth0_log_tools_logs_dead_lettered_total{tenant="acme"} 2');
  });
});

describe('ship --on-batch-failure skip', () => {
  it('gives up a refused batch only when asked, and the summary names its id range and count', async () => {
    const endpoint = await startEndpoint((n) => (n === 0 ? 503 : 200));
    const caFile = path.join(dir, 'ca.pem');
    await fs.writeFile(caFile, tenant().ca);
    const ship = async (extra: string[]) => {
      const capture = captureIo({
        env: {
          AUTH0_DOMAIN: tenant().domain,
          AUTH0_CLIENT_ID: tenant().clientId,
          AUTH0_CLIENT_SECRET: tenant().clientSecret,
        },
      });
      const args = ['--ca-file', caFile, '--state', path.join(dir, 's.json'), '--post'];
      const code = await runShip(
        [...args, endpoint.url, '--max-retries', '0', '--json', ...extra],
        capture.io,
      );
      return { code, summary: JSON.parse(capture.stdout().trim()) as Record<string, unknown> };
    };
    try {
      const run = await ship(['--on-batch-failure', 'skip']);
      expect(run.code).toBe(1);
      expect(run.summary).toMatchObject({
        skippedLogs: 100,
        skippedRanges: [{ fromCheckpoint: null, toCheckpoint: tenant().logIdAt(99), logs: 100 }],
      });
      expect(run.summary['error']).toMatch(/^Skipped 100 logs after \(start\) to \d{56} after/);
      expect(endpoint.ids()).toEqual([]);
    } finally {
      await endpoint.close();
    }
  });
});
