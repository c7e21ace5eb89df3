import { promises as fs } from 'node:fs';
import path from 'node:path';
import { runShip } from '../../../src/cli/ship/command';
import { startFakeTenant, type FakeTenant } from '../../../src/testing';
import { startElasticPeer, type ElasticPeer } from '../../support/elastic-peer';
import { startHecPeer } from '../../support/hec-peer';
import { captureIo, ndjsonIds, tempDir } from '../../support/cli';
import { tenantEnv } from '../../support/tenant';

const TOTAL = 230;
const ES_KEY = 'ZXMtaWQ6ZmFub3V0LXNlY3JldC01NTY2';
const HEC_TOKEN = 'hec-token-fan-0ut-7788';

let dir: string;
let tenant: FakeTenant;
let caFile: string;
let state: string;
let es: ElasticPeer;

beforeEach(async () => {
  dir = await tempDir();
  tenant = await startFakeTenant({ logs: TOTAL, seed: 4 });
  es = await startElasticPeer(`ApiKey ${ES_KEY}`);
  caFile = path.join(dir, 'ca.pem');
  state = path.join(dir, 'state.json');
  await fs.writeFile(caFile, tenant.ca);
});
afterEach(async () => {
  await es.close();
  await tenant.close();
  await fs.rm(dir, { recursive: true, force: true });
});

async function shipTo(args: string[], env: Record<string, string> = {}) {
  const capture = captureIo({
    env: {
      ...tenantEnv(tenant),
      ELASTIC_API_KEY: ES_KEY,
      ...env,
    },
  });
  const code = await runShip(
    ['--ca-file', caFile, '--state', state, '--batch-size', '100', ...args],
    capture.io,
  );
  const stored = await fs.readFile(state, 'utf8').catch(() => '');
  return { code, stdout: capture.stdout(), stderr: capture.stderr(), stored };
}

const allIds = () => Array.from({ length: TOTAL }, (_, i) => tenant.logIdAt(i));
const esIds = () => [...es.docs.keys()].map((key) => key.split('/')[1]).sort();

describe('ship to several destinations', () => {
  it('--out and --to elastic: one read, every log in each, the summary names each count and the state the set', async () => {
    const out = path.join(dir, 'logs.ndjson');
    tenant.resetStats();
    const run = await shipTo(['--out', out, '--to', `elastic:${es.url}`, '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(ndjsonIds(await fs.readFile(out, 'utf8'))).toEqual(allIds());
    expect(esIds()).toEqual(allIds());
    // one request stream: 230 logs in pages of 100
    expect(tenant.stats().logRequests).toBeLessThanOrEqual(4);
    const summary = JSON.parse(run.stdout) as {
      destinations: Array<{ destination: string; logsShipped: number }>;
    };
    expect(summary.destinations).toEqual([
      { destination: await fs.realpath(out), logsShipped: TOTAL },
      { destination: `elastic ${es.url}/_bulk (logs-auth0-default)`, logsShipped: TOTAL },
    ]);
    const record = (
      JSON.parse(run.stored) as { destination: { kind: string; destinations: unknown[] } }
    ).destination;
    expect(record.kind).toBe('fanout');
    expect(record.destinations).toHaveLength(2);
    expect(run.stored).not.toContain(ES_KEY);

    const line = await shipTo(['--out', out, '--to', `elastic:${es.url}`]);
    expect(line.code).toBe(0);
    expect(line.stdout).toMatch(/each destination: .*logs\.ndjson 0 logs, elastic .* 0 logs/);
  });

  it('a state reused with a destination it did not ship to is refused; one it shipped to is not', async () => {
    const out = path.join(dir, 'logs.ndjson');
    expect((await shipTo(['--out', out, '--to', `elastic:${es.url}`])).code).toBe(0);
    const hec = await startHecPeer(HEC_TOKEN);
    try {
      const env = { SPLUNK_HEC_TOKEN: HEC_TOKEN };
      const more = await shipTo(
        ['--out', out, '--to', `elastic:${es.url}`, '--to', `splunk:${hec.url}`],
        env,
      );
      expect(more.code).toBe(3);
      expect(more.stderr).toContain(`not splunk ${hec.url}`);
      expect(hec.events).toHaveLength(0);
      // fewer of the same set: every one of them got every log up to the checkpoint
      const fewer = await shipTo(['--to', `elastic:${es.url}`]);
      expect(fewer.stderr).toBe('');
      expect(fewer.code).toBe(0);
      expect(JSON.parse(fewer.stored)).toMatchObject({
        destination: { kind: 'elastic' },
        checkpointId: tenant.logIdAt(TOTAL - 1),
      });
    } finally {
      await hec.close();
    }
  });

  it('several --to take --to-option as <kind>.<key>=<value>; a bare key is refused naming the form', async () => {
    const hec = await startHecPeer(HEC_TOKEN);
    try {
      const env = { SPLUNK_HEC_TOKEN: HEC_TOKEN };
      const bare = await shipTo(
        ['--to', `elastic:${es.url}`, '--to', `splunk:${hec.url}`, '--to-option', 'index=auth0'],
        env,
      );
      expect(bare.code).toBe(2);
      expect(bare.stderr).toContain('<kind>.<key>=<value>');
      const run = await shipTo(
        [
          '--to',
          `elastic:${es.url}`,
          '--to',
          `splunk:${hec.url}`,
          '--to-option',
          'splunk.index=auth0',
          '--to-option',
          'elastic.index=auth0-logs',
        ],
        env,
      );
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(hec.events.map((e) => e.event['log_id'])).toEqual(allIds());
      expect(new Set(hec.events.map((e) => e.index))).toEqual(new Set(['auth0']));
      expect([...es.docs.keys()].every((key) => key.startsWith('auth0-logs/'))).toBe(true);
    } finally {
      await hec.close();
    }
  });

  it('--out and --post together are refused, saying each goes with --to', async () => {
    const run = await shipTo(['--out', path.join(dir, 'a'), '--post', 'http://127.0.0.1:9/x']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Pass one of --out or --post, not both');
  });
});
