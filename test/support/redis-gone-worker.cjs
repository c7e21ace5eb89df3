// Child process of test/cluster/redis-unreachable.test.ts: starts a cluster worker whose Redis is
// reached through a TCP relay, cuts the relay once the worker serves, and stops the worker. Prints
// `{ stopped, running }` and exits through process.exit, as the CLI does: BullMQ keeps reconnecting
// to the closed relay after a forced disconnect, which would hold a jest process open.
const net = require('node:net');
const path = require('node:path');
const { startClusterWorker } = require(
  path.join(__dirname, '..', '..', 'dist', 'cluster', 'index.js'),
);

async function main() {
  const sockets = new Set();
  const relay = net.createServer((client) => {
    const upstream = net.connect(6379, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => sockets.delete(socket));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const worker = await startClusterWorker({
    redis: `redis://127.0.0.1:${relay.address().port}`,
    queue: process.env.GONE_QUEUE,
    stopTimeoutSeconds: 2,
    tenants: [
      {
        id: 't1',
        processor: { domain: '127.0.0.1:9', clientId: 'x', clientSecret: 'y-secret-value' },
        intervalSeconds: 3600,
        handler: async () => undefined,
      },
    ],
  });
  const closed = new Promise((resolve) => relay.close(resolve));
  for (const socket of sockets) socket.destroy();
  await closed;
  let stopped = false;
  await worker.stop().then(() => (stopped = true));
  process.stdout.write(JSON.stringify({ stopped, running: worker.running }));
  process.exit(0);
}

main().catch((error) => {
  process.stderr.write(String((error && error.stack) || error));
  process.exit(2);
});
