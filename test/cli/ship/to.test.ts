import { promises as fs } from 'node:fs';
import path from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { USAGE } from '../../../src/cli/cli';
import { runShip } from '../../../src/cli/ship/command';
import { startFakeTenant, type FakeTenant } from '../../../src/testing';
import { startDatadogPeer } from '../../support/datadog-peer';
import { startElasticPeer } from '../../support/elastic-peer';
import { startHecPeer } from '../../support/hec-peer';
import { S3RVER_CREDENTIALS, startS3Peer, storedObjects } from '../../support/s3-peer';
import { captureIo, tempDir } from '../../support/cli';
import { tenantEnv } from '../../support/tenant';

const TOTAL = 230;
const HEC_TOKEN = 'hec-token-9f1e2d3c-4b5a';
const DD_KEY = 'dd-api-key-77aa66bb55cc';
const ES_KEY = 'ZXMtaWQ6ZXMtc2VjcmV0LWtleS0zMzQ0';
const AWS_SECRET = S3RVER_CREDENTIALS.secretAccessKey;
const SECRETS = new RegExp(`${HEC_TOKEN}|${DD_KEY}|${ES_KEY}`);

let dir: string;
let tenant: FakeTenant;
let caFile: string;
let state: string;

beforeEach(async () => {
  dir = await tempDir();
  tenant = await startFakeTenant({ logs: TOTAL, seed: 12 });
  caFile = path.join(dir, 'ca.pem');
  state = path.join(dir, 'state.json');
  await fs.writeFile(caFile, tenant.ca);
});

afterEach(async () => {
  await tenant.close();
  await fs.rm(dir, { recursive: true, force: true });
});

/** `ship` in-process with the tenant's credentials and the destination's secret in the env. */
async function shipTo(args: string[], env: Record<string, string> = {}) {
  const capture = captureIo({
    env: {
      ...tenantEnv(tenant),
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

describe('ship --to', () => {
  it('splunk: every log once as a HEC event, the token nowhere in the output or the state', async () => {
    const hec = await startHecPeer(HEC_TOKEN);
    try {
      const run = await shipTo(['--to', `splunk:${hec.url}`, '--to-option', 'index=auth0'], {
        SPLUNK_HEC_TOKEN: HEC_TOKEN,
      });
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(`${TOTAL} logs to splunk ${hec.url}`);
      expect(hec.events.map((e) => e.event['log_id'])).toEqual(allIds());
      expect(new Set(hec.events.map((e) => e.index))).toEqual(new Set(['auth0']));
      expect(run.stdout + run.stderr + run.stored).not.toMatch(SECRETS);
      expect(JSON.parse(run.stored)).toMatchObject({ checkpointId: tenant.logIdAt(TOTAL - 1) });
    } finally {
      await hec.close();
    }
  });

  it('datadog: every log once, gzipped, the API key nowhere', async () => {
    const dd = await startDatadogPeer(DD_KEY);
    try {
      const run = await shipTo(['--to', `datadog:${dd.url}`, '--json'], { DD_API_KEY: DD_KEY });
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({
        status: 'ok',
        logsShipped: TOTAL,
        destination: `datadog ${dd.url}/api/v2/logs`,
      });
      expect(dd.entries.map((e) => e['log_id'])).toEqual(allIds());
      expect(dd.refusals).toEqual([]);
      expect(run.stdout + run.stderr + run.stored).not.toMatch(SECRETS);
    } finally {
      await dd.close();
    }
  });

  it('elastic: every log stored once by log_id, also when a run ships it again', async () => {
    const es = await startElasticPeer(`ApiKey ${ES_KEY}`);
    try {
      const env = { ELASTIC_API_KEY: ES_KEY };
      const first = await shipTo(['--to', `elastic:${es.url}`], env);
      expect(first.code).toBe(0);
      // the same logs again from the start: `create` by _id answers 409, counted as delivered
      const again = await shipTo(['--to', `elastic:${es.url}`, '--start-from', '2000-01-01'], env);
      expect(again.code).toBe(0);
      expect([...es.docs.keys()].sort()).toEqual(allIds().map((id) => `logs-auth0-default/${id}`));
      for (const run of [first, again]) {
        expect(run.stdout + run.stderr + run.stored).not.toMatch(SECRETS);
      }
    } finally {
      await es.close();
    }
  });

  it('s3: objects of --to-option objectMaxLogs holding every log once; the AWS secret nowhere', async () => {
    const peer = await startS3Peer();
    const saved = { ...process.env };
    // the AWS SDK reads its credentials from the process's environment
    process.env['AWS_ACCESS_KEY_ID'] = S3RVER_CREDENTIALS.accessKeyId;
    process.env['AWS_SECRET_ACCESS_KEY'] = AWS_SECRET;
    const reader = new S3Client({
      endpoint: peer.endpoint,
      forcePathStyle: true,
      region: 'us-east-1',
      credentials: S3RVER_CREDENTIALS,
    });
    try {
      const run = await shipTo(
        [
          '--to',
          `s3:s3://${peer.bucket}/auth0`,
          '--to-option',
          'maxAttempts=1',
          '--to-option',
          'objectMaxLogs=100',
        ],
        { AWS_ENDPOINT_URL_S3: peer.endpoint, AWS_REGION: 'us-east-1' },
      );
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(`to s3 s3://${peer.bucket}/auth0`);
      const stored = await storedObjects(reader, peer.bucket, 'auth0/');
      for (const { key } of stored)
        expect(key.startsWith(`auth0/${tenant.domain.replace(':', '_')}/`)).toBe(true);
      const ids = stored.flatMap(({ logs }) => logs.map((log) => log.log_id as string));
      expect(stored).toHaveLength(3);
      expect(ids.sort()).toEqual(allIds());
      expect(run.stdout + run.stderr + run.stored).not.toContain(AWS_SECRET);
    } finally {
      process.env = saved;
      reader.destroy();
      await peer.close();
    }
  });

  it("a refused token stops the run (not retried), names HEC's reason, and never echoes the token", async () => {
    const hec = await startHecPeer(HEC_TOKEN);
    try {
      const wrong = 'wrong-token-5e4d3c2b1a';
      const run = await shipTo(['--to', `splunk:${hec.url}`, '--follow'], {
        SPLUNK_HEC_TOKEN: wrong,
      });
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/Invalid token/);
      expect(hec.requests).toHaveLength(1);
      expect(hec.events).toHaveLength(0);
      expect(run.stdout + run.stderr + run.stored).not.toContain(wrong);
      expect(JSON.parse(run.stored).checkpointId ?? null).toBeNull();
    } finally {
      await hec.close();
    }
  });

  it.each<[string[], Record<string, string>, RegExp]>([
    [['--to', 'kafka:broker:9092'], {}, /`--to` as <kind>:<address>/],
    [['--to', 'splunk:'], {}, /`--to splunk:` needs an address/],
    [['--to', 'splunk:https://hec.example:8088'], {}, /SPLUNK_HEC_TOKEN/],
    [
      ['--to', 'datadog:datadoghq.eu', '--to', 'elastic:https://es:9200', '--to-option', 'index=a'],
      { DD_API_KEY: DD_KEY },
      /With several `--to`, `--to-option` names the destination's kind: <kind>.<key>=<value> with a kind of datadog, elastic/,
    ],
    [
      ['--to', 'datadog:datadoghq.eu', '--to', 'splunk:https://hec.example:8088'],
      { DD_API_KEY: DD_KEY },
      /SPLUNK_HEC_TOKEN/,
    ],
    [['--to-option', 'index=a'], {}, /`--to-option` needs `--to <kind>:<address>`/],
    [
      ['--to', 'splunk:https://hec.example:8088', '--to-option', `token=${HEC_TOKEN}`],
      { SPLUNK_HEC_TOKEN: HEC_TOKEN },
      /`--to-option token` is not accepted/,
    ],
    [
      ['--to', 's3://audit', '--out', 'x.ndjson', '--post', 'https://x.example'],
      {},
      /Pass one of --out or --post, not both/,
    ],
  ])('refuses %j with exit 2, naming the flag', async (args, env, message) => {
    const run = await shipTo(args, env);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stdout + run.stderr).not.toMatch(SECRETS);
    expect(run.stored).toBe('');
    expect(tenant.stats()).toMatchObject({ tokenRequests: 0, logRequests: 0 });
  });

  it('lists --to and --to-option in --help', async () => {
    const run = await shipTo(['--help']);
    expect(run.stdout).toMatch(/--to <kind>:<address>/);
    expect(run.stdout).toMatch(/--to-option <key=value>/);
    expect(USAGE).toMatch(/ship .*--to splunk\|datadog\|elastic\|s3/);
  });
});
