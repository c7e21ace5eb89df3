// Starts one of the strict local peers the tests ship to (test/support), and a fake tenant, then
// prints the `ship --to` command that ships the tenant's logs to that peer; Ctrl-C stops both and
// says how many logs the peer stored. For trying `--to` from a clone (not part of the package):
//
//   npm ci && npm run build
//   node scripts/test-peer.mjs splunk|datadog|elastic|s3 [--logs <n>]
//
// splunk, datadog and elastic are the tests' strict HEC, logs intake v2 and _bulk servers on
// loopback (plain http, allowed for loopback); s3 is s3rver (a real S3 peer) with one bucket.
// The secrets they check are made up here, each run anew.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const KINDS = ['splunk', 'datadog', 'elastic', 's3'];
const kind = process.argv[2];
const logsAt = process.argv.indexOf('--logs');
const logs = logsAt > 0 ? Number(process.argv[logsAt + 1]) : 1000;

if (!KINDS.includes(kind ?? '') || !Number.isInteger(logs) || logs < 0) {
  console.error(`Usage: node scripts/test-peer.mjs ${KINDS.join('|')} [--logs <n>]`);
  process.exit(2);
}
if (!existsSync(join(root, 'dist', 'testing', 'index.js'))) {
  console.error('test-peer: dist/ is missing; run `npm run build` first');
  process.exit(2);
}

// the peers are the tests' own TypeScript: load them through ts-node (a devDependency)
require('ts-node').register({ transpileOnly: true, project: join(root, 'tsconfig.json') });
const support = (name) => require(join(root, 'test', 'support', name));
const { startFakeTenant } = require(join(root, 'dist', 'testing', 'index.js'));

const secret = randomBytes(12).toString('hex');
const folder = mkdtempSync(join(tmpdir(), 'auth0-log-tools-peer-'));
const tenant = await startFakeTenant({ logs, startDate: Date.now() - 3600_000 });
const caFile = join(folder, 'tenant-ca.pem');
writeFileSync(caFile, tenant.ca, { mode: 0o600 });

let peer;
let env;
let to;
let stored;
if (kind === 'splunk') {
  peer = await support('hec-peer.ts').startHecPeer(secret);
  env = { SPLUNK_HEC_TOKEN: secret };
  to = `splunk:${peer.url} --to-option index=auth0`;
  stored = () => peer.events.length;
} else if (kind === 'datadog') {
  peer = await support('datadog-peer.ts').startDatadogPeer(secret);
  env = { DD_API_KEY: secret };
  to = `datadog:${peer.url}`;
  stored = () => peer.entries.length;
} else if (kind === 'elastic') {
  peer = await support('elastic-peer.ts').startElasticPeer(`ApiKey ${secret}`);
  env = { ELASTIC_API_KEY: secret };
  to = `elastic:${peer.url}`;
  stored = () => peer.docs.size;
} else {
  const { startS3Peer, S3RVER_CREDENTIALS } = support('s3-peer.ts');
  peer = await startS3Peer('audit-logs');
  env = {
    AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL_S3: peer.endpoint,
  };
  to = `s3://${peer.bucket}/auth0`;
  stored = () => s3Logs(peer, S3RVER_CREDENTIALS);
}

/** Logs in the bucket's gzip NDJSON objects, read back through the AWS SDK. */
async function s3Logs(s3peer, credentials) {
  const { S3Client, ListObjectsV2Command, GetObjectCommand } = require('@aws-sdk/client-s3');
  const { gunzipSync } = await import('node:zlib');
  const client = new S3Client({
    endpoint: s3peer.endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials,
  });
  let count = 0;
  let token;
  do {
    const list = await client.send(
      new ListObjectsV2Command({ Bucket: s3peer.bucket, ContinuationToken: token }),
    );
    for (const { Key } of list.Contents ?? []) {
      const object = await client.send(new GetObjectCommand({ Bucket: s3peer.bucket, Key }));
      const text = gunzipSync(Buffer.from(await object.Body.transformToByteArray())).toString();
      count += text.split('\n').filter(Boolean).length;
    }
    token = list.NextContinuationToken;
  } while (token);
  client.destroy();
  return count;
}

const variables = {
  AUTH0_DOMAIN: tenant.domain,
  AUTH0_CLIENT_ID: tenant.clientId,
  AUTH0_CLIENT_SECRET: tenant.clientSecret,
  ...env,
};
const exports = Object.entries(variables)
  .map(([name, value]) => `${name}=${value}`)
  .join(' \\\n  ');
console.log(`A fake tenant with ${logs} logs and a ${kind} peer are running. In another shell:

env ${exports} \\
  node ${join(root, 'dist', 'cli', 'main.js')} ship --to ${to} \\
  --ca-file ${caFile} --state ${join(folder, 'state.json')}

Ctrl-C stops both.`);

const stop = async () => {
  console.log(`\nThe ${kind} peer stored ${await stored()} logs.`);
  await Promise.allSettled([tenant.close(), peer.close()]);
  rmSync(folder, { recursive: true, force: true });
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
