// Benchmark of `receive`'s intake: deliveries of 100 logs as Auth0 sends them (JSONLINES), several
// in flight, into a receiver shipping to --out with fsync and a record of shipped ids, side by side
// with a bare Node HTTP server that parses and appends without dedup or sync (the ceiling).
// Prints logs/s, the time to acknowledge a delivery (p50, p99) and the server's memory.
//
//   npm run build && node bench/receive.mjs [--logs 200000] [--in-flight 8] [--per-delivery 100]
//     [--servers bare,receive]
//
// Each server runs in its own child process (this file with --serve); this process is the client.
import { fork } from 'node:child_process';
import { promises as fs } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const require = createRequire(import.meta.url);
const TOKEN = 'Bearer bench-token';

const { values } = parseArgs({
  options: {
    logs: { type: 'string', default: '200000' },
    'in-flight': { type: 'string', default: '8' },
    'per-delivery': { type: 'string', default: '100' },
    servers: { type: 'string', default: 'bare,receive' },
    serve: { type: 'string' },
    dir: { type: 'string' },
  },
});

if (values.serve) await serve(values.serve, values.dir);
else await main();

/** A server in this child process: `receive` (intake, shipped ids, file with fsync) or `bare`. */
async function serve(kind, dir) {
  const out = path.join(dir, `${kind}.ndjson`);
  let port;
  let peakRss = 0;
  const sample = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
  if (kind === 'receive') {
    const { startReceiver } = require('../dist/receive/server.js');
    const { Intake } = require('../dist/receive/intake.js');
    const { ShippedIds } = require('../dist/receive/shipped-ids.js');
    const { createDestination } = require('../dist/destinations/index.js');
    const deliver = createDestination({ kind: 'file', address: out }, {});
    const shipped = await ShippedIds.open({
      folder: path.join(dir, 'state.json.shipped'),
      retentionMs: 30 * 86_400_000,
    });
    const intake = new Intake({ deliver, shipped });
    const receiver = await startReceiver({
      host: '127.0.0.1',
      port: 0,
      token: TOKEN,
      submit: (logs) => intake.submit(logs, 'stream'),
    });
    port = receiver.port;
  } else {
    const handle = await fs.open(out, 'a');
    const server = http.createServer((request, response) => {
      const chunks = [];
      request.on('data', (chunk) => chunks.push(chunk));
      request.on('end', () => {
        const logs = Buffer.concat(chunks)
          .toString('utf8')
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line).data);
        const text = logs.map((log) => `${JSON.stringify(log)}\n`).join('');
        handle.write(text).then(() => response.writeHead(200).end('{}'));
      });
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = server.address().port;
  }
  process.on('message', (message) => {
    if (message === 'memory') {
      clearInterval(sample);
      process.send({ peakRss, rss: process.memoryUsage().rss }, () => process.exit(0));
    }
  });
  process.send({ port });
}

async function main() {
  const logs = Number(values.logs);
  const inFlight = Number(values['in-flight']);
  const perDelivery = Number(values['per-delivery']);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'auth0-log-tools-bench-receive-'));
  const bodies = deliveries(logs, perDelivery);
  console.log(
    `receive benchmark: ${logs} logs in deliveries of ${perDelivery} (JSONLINES, ${(bodies[0].length / 1024).toFixed(1)} KB each), ${inFlight} in flight; ${os.cpus().length} CPUs, Node ${process.version}`,
  );
  const rows = [];
  for (const kind of values.servers.split(','))
    rows.push({ kind, ...(await measure(kind, dir, bodies, inFlight)) });
  console.log('');
  console.log('server                          logs/s    ack p50    ack p99    peak RSS');
  for (const r of rows) {
    const name = r.kind === 'bare' ? 'bare Node (parse+append)' : 'receive (dedup+fsync+record)';
    console.log(
      `${name.padEnd(30)} ${String(Math.round(r.rate)).padStart(8)} ${r.p50.toFixed(1).padStart(8)} ms ${r.p99.toFixed(1).padStart(7)} ms ${(r.peakRss / 1048576).toFixed(0).padStart(8)} MB`,
    );
  }
  await fs.rm(dir, { recursive: true, force: true });
}

/** Bodies of `perDelivery` elements each, ids written over the last hour as a real stream's. */
function deliveries(count, perDelivery) {
  const start = Date.now() - 3_600_000;
  const bodies = [];
  for (let i = 0; i < count; i += perDelivery) {
    const lines = [];
    for (let k = i; k < Math.min(count, i + perDelivery); k++) {
      const ms = start + Math.floor((k / count) * 3_500_000);
      const stamp = new Date(ms).toISOString().slice(0, 19).replace(/\D/g, '');
      const log_id = `900${stamp}${String(k).padStart(39, '0')}`;
      const data = {
        log_id,
        date: new Date(ms).toISOString(),
        type: k % 7 === 0 ? 'f' : 's',
        description: 'Successful login',
        client_id: 'zxPFD7BlvbiwfAzvi6WZNxDwhwFjyiV5',
        client_name: 'Bench App',
        ip: '203.0.113.7',
        user_agent: 'Chrome 120.0.0 / Mac OS X 14.2.1',
        user_id: `auth0|${k}`,
        user_name: `user${k}@example.com`,
        hostname: 'bench.eu.auth0.com',
        connection: 'Username-Password-Authentication',
      };
      lines.push(JSON.stringify({ log_id, data }));
    }
    bodies.push(lines.join('\n'));
  }
  return bodies;
}

async function measure(kind, dir, bodies, inFlight) {
  const child = fork(new URL(import.meta.url), ['--serve', kind, '--dir', dir], {
    stdio: 'inherit',
    // BENCH_PROFILE=<folder>: a CPU profile of each server, written when it exits
    execArgv: process.env.BENCH_PROFILE
      ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`]
      : [],
  });
  const { port } = await new Promise((resolve) => child.once('message', resolve));
  const agent = new http.Agent({ keepAlive: true, maxSockets: inFlight });
  const latencies = [];
  let next = 0;
  let logs = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < bodies.length) {
      const body = bodies[next++];
      const sent = performance.now();
      const status = await postBody(agent, port, body);
      if (status !== 200) throw new Error(`${kind} answered ${status}`);
      latencies.push(performance.now() - sent);
      logs += body.split('\n').length;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  const seconds = (performance.now() - started) / 1000;
  child.send('memory');
  const memory = await new Promise((resolve) => child.once('message', resolve));
  await new Promise((resolve) => child.once('exit', resolve));
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return { rate: logs / seconds, p50: at(0.5), p99: at(0.99), peakRss: memory.peakRss };
}

function postBody(agent, port, body) {
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/',
        method: 'POST',
        agent,
        headers: {
          authorization: TOKEN,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode));
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}
