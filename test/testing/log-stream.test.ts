import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { inspect } from 'node:util';
import { isArgumentError } from '../../src/errors';
import { FAKE_TENANT_SHAPES, playLogStream, startFakeTenant } from '../../src/testing';
import type { FakeTenant, LogStreamFormat } from '../../src/testing';
import { FAKE_TENANT_CA, FAKE_TENANT_CERT, FAKE_TENANT_KEY } from '../../src/testing/tls-fixture';
import type { LogEvent } from '../../src/types';

/** One POST the receiver got: its headers, raw body, and the elements parsed in its format. */
interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
  elements: { log_id: string; data: LogEvent }[];
}

/**
 * A small strict receiver: only `POST /stream` with the expected Content-Type and a body that
 * parses in `format` into `{ log_id, data }` elements whose `data.log_id` is `log_id`; anything
 * else is a 400. `answer(n)` gives the status of request n (1-based); 200 by default.
 */
async function startReceiver(
  format: LogStreamFormat,
  answer: (n: number) => number | 'hang' = () => 200,
  tls = false,
) {
  const received: Received[] = [];
  const rejected: string[] = [];
  const sockets = new Set<Socket>();
  let n = 0;
  const parse = (body: string): unknown[] => {
    if (format === 'JSONARRAY') {
      const array: unknown = JSON.parse(body);
      if (!Array.isArray(array)) throw new Error('not an array');
      return array;
    }
    if (format === 'JSONOBJECT') {
      const object: unknown = JSON.parse(body);
      if (typeof object !== 'object' || object === null || Array.isArray(object))
        throw new Error('not an object');
      return [object];
    }
    return body.split('\n').map((line) => JSON.parse(line) as unknown);
  };
  const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const status = answer(++n);
      if (status === 'hang') return;
      const body = Buffer.concat(chunks).toString('utf8');
      try {
        if (req.method !== 'POST' || req.url !== '/stream') throw new Error('wrong route');
        if (req.headers['content-type'] !== 'application/json') throw new Error('content type');
        if (Number(req.headers['content-length']) !== Buffer.byteLength(body))
          throw new Error('content length');
        const elements = parse(body).map((raw) => {
          const element = raw as { log_id: string; data: LogEvent };
          if (Object.keys(element).join() !== 'log_id,data') throw new Error('element keys');
          if (!/^\d{56}$/.test(element.log_id) || element.data.log_id !== element.log_id)
            throw new Error('element ids');
          return element;
        });
        received.push({ headers: req.headers, body, elements });
        res.writeHead(status).end();
      } catch (error) {
        rejected.push((error as Error).message);
        res.writeHead(400).end();
      }
    });
  };
  const server = tls
    ? https.createServer({ key: FAKE_TENANT_KEY, cert: FAKE_TENANT_CERT }, listener)
    : http.createServer(listener);
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}/stream`,
    received,
    rejected,
    /** Every log_id received, in arrival order, duplicates included. */
    ids: () => received.flatMap((r) => r.elements.map((e) => e.log_id)),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

type Receiver = Awaited<ReturnType<typeof startReceiver>>;

const NOW = Date.parse('2026-03-04T12:00:00.000Z');
const noWait = () => Promise.resolve();
let tenant: FakeTenant;
let logs: LogEvent[];
const open: Receiver[] = [];
const receiver = async (...args: Parameters<typeof startReceiver>) => {
  const started = await startReceiver(...args);
  open.push(started);
  return started;
};

beforeAll(async () => {
  tenant = await startFakeTenant({ ...FAKE_TENANT_SHAPES.realistic, logs: 300, now: () => NOW });
  logs = Array.from({ length: 5 }, (_, i) => tenant.logAt(i));
});
afterAll(() => tenant.close());
afterEach(async () => {
  await Promise.all(open.splice(0).map((r) => r.close()));
});

describe('formats', () => {
  it('JSONLINES: the elements one a line, joined by \\n, the token and custom headers as given', async () => {
    const r = await receiver('JSONLINES');
    const report = await playLogStream(logs, {
      url: r.url,
      authorization: 'stream-token-1',
      headers: { 'X-Tenant': 'acme' },
      logsPerDelivery: 2,
    });
    expect(r.rejected).toEqual([]);
    expect(r.received.map((x) => x.body)).toEqual([
      logs
        .slice(0, 2)
        .map((log) => JSON.stringify({ log_id: log.log_id, data: log }))
        .join('\n'),
      logs
        .slice(2, 4)
        .map((log) => JSON.stringify({ log_id: log.log_id, data: log }))
        .join('\n'),
      JSON.stringify({ log_id: logs[4]?.log_id, data: logs[4] }),
    ]);
    for (const x of r.received) {
      expect(x.headers.authorization).toBe('stream-token-1');
      expect(x.headers['x-tenant']).toBe('acme');
    }
    expect(r.received.flatMap((x) => x.elements.map((e) => e.data))).toEqual(logs);
    expect(report).toMatchObject({
      delivered: logs.map((log) => log.log_id),
      deliveries: 3,
      requests: 3,
      answers: { 200: 3 },
      stoppedBy: 'end',
    });
  });

  it('JSONARRAY: one JSON array a delivery; a Bearer token is sent verbatim', async () => {
    const r = await receiver('JSONARRAY');
    await playLogStream(logs, {
      url: r.url,
      format: 'JSONARRAY',
      authorization: 'Bearer abc.def',
    });
    expect(r.rejected).toEqual([]);
    expect(r.received).toHaveLength(1);
    expect(r.received[0]?.body).toBe(
      JSON.stringify(logs.map((log) => ({ log_id: log.log_id, data: log }))),
    );
    expect(r.received[0]?.headers.authorization).toBe('Bearer abc.def');
  });

  it('JSONOBJECT: one element, the whole body, a delivery; no Authorization without a token', async () => {
    const r = await receiver('JSONOBJECT');
    const report = await playLogStream(logs, { url: r.url, format: 'JSONOBJECT' });
    expect(r.rejected).toEqual([]);
    expect(r.received.map((x) => x.body)).toEqual(
      logs.map((log) => JSON.stringify({ log_id: log.log_id, data: log })),
    );
    expect(r.received.every((x) => x.headers.authorization === undefined)).toBe(true);
    expect(report.deliveries).toBe(5);
    await expect(
      playLogStream(logs, { url: r.url, format: 'JSONOBJECT', logsPerDelivery: 2 }),
    ).rejects.toThrow('Expected `logsPerDelivery` to be an integer from 1 to 1, got 2');
  });
});

describe('what Auth0 promises and does not', () => {
  const chaos = { duplicateShare: 0.05, dropShare: 0.05, shuffle: true, logsPerDelivery: 20 };

  it('plays a real-shaped tenant with 5% duplicates, 5% dropped, shuffled, the same for the same seed', async () => {
    const r = await receiver('JSONLINES');
    const report = await playLogStream(tenant, { url: r.url, ...chaos, seed: 7, concurrency: 4 });
    const all = Array.from({ length: tenant.logCount() }, (_, i) => tenant.logIdAt(i));
    const ids = r.ids();
    const counts = new Map<string, number>();
    for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);

    expect(r.rejected).toEqual([]);
    expect(report.dropped.length).toBeGreaterThan(5);
    expect(report.dropped.length).toBeLessThan(30);
    expect(report.duplicated.length).toBeGreaterThan(5);
    expect(report.duplicated.length).toBeLessThan(30);
    for (const id of report.dropped) expect(counts.has(id)).toBe(false);
    for (const id of report.duplicated) expect(counts.get(id)).toBe(2);
    const kept = all.filter((id) => !report.dropped.includes(id));
    expect([...counts.keys()].sort()).toEqual(kept);
    expect(new Set(report.delivered)).toEqual(new Set(kept));
    expect(ids).toHaveLength(kept.length + report.duplicated.length);
    // shuffled: the ids did not arrive in log_id order
    expect(ids).not.toEqual([...ids].sort());

    const again = await receiver('JSONLINES');
    const replay = await playLogStream(tenant, { url: again.url, ...chaos, seed: 7 });
    expect(replay.dropped).toEqual(report.dropped);
    expect(replay.duplicated).toEqual(report.duplicated);
    expect(again.received.map((x) => x.body).sort()).toEqual(r.received.map((x) => x.body).sort());

    const other = await receiver('JSONLINES');
    const reseeded = await playLogStream(tenant, { url: other.url, ...chaos, seed: 8 });
    expect(reseeded.dropped).not.toEqual(report.dropped);
  });

  it('in order, sends a duplicate in a later delivery than its original', async () => {
    const r = await receiver('JSONARRAY');
    const report = await playLogStream(tenant, {
      url: r.url,
      format: 'JSONARRAY',
      duplicateShare: 0.3,
      logsPerDelivery: 10,
    });
    const deliveryOf = new Map<string, number[]>();
    r.received.forEach((x, d) => {
      for (const e of x.elements)
        deliveryOf.set(e.log_id, [...(deliveryOf.get(e.log_id) ?? []), d]);
    });
    expect(report.duplicated.length).toBeGreaterThan(50);
    for (const id of report.duplicated) {
      const [first, second] = deliveryOf.get(id) ?? [];
      expect(second).toBeGreaterThan(first ?? Infinity);
    }
    expect(r.received.every((x) => x.elements.length <= 10)).toBe(true);
    // the originals come in log_id order
    const firsts = [...deliveryOf.keys()];
    expect(firsts).toEqual([...firsts].sort());
  });

  it('retries a delivery answered 5xx, waiting 1 s then 2 s, up to 3 attempts', async () => {
    const r = await receiver('JSONLINES', (n) => (n <= 2 ? 503 : 200));
    const waits: number[] = [];
    const attempts: unknown[] = [];
    const report = await playLogStream(logs, {
      url: r.url,
      sleep: async (ms) => void waits.push(ms),
      onAttempt: (a) => attempts.push(a),
    });
    expect(waits).toEqual([1000, 2000]);
    expect(report).toMatchObject({
      delivered: logs.map((log) => log.log_id),
      gaveUp: [],
      deliveries: 1,
      requests: 3,
      answers: { 503: 2, 200: 1 },
    });
    const logIds = logs.map((log) => log.log_id);
    expect(attempts).toEqual([
      { delivery: 1, attempt: 1, logIds, status: 503 },
      { delivery: 1, attempt: 2, logIds, status: 503 },
      { delivery: 1, attempt: 3, logIds, status: 200 },
    ]);
  });

  it('gives up a delivery after `attempts` answers that are not 2xx, and goes on with the next', async () => {
    const r = await receiver('JSONLINES', (n) => (n <= 2 ? 400 : 200));
    const report = await playLogStream(logs, {
      url: r.url,
      attempts: 2,
      logsPerDelivery: 3,
      sleep: noWait,
    });
    expect(report.gaveUp).toEqual(logs.slice(0, 3).map((log) => log.log_id));
    expect(report.delivered).toEqual(logs.slice(3).map((log) => log.log_id));
    expect(report.answers).toEqual({ 400: 2, 200: 1 });
  });

  it('sends the deliveries given up again in `redeliveries` rounds, as Auth0 restarts errored logs', async () => {
    const r = await receiver('JSONLINES', (n) => (n <= 4 ? 503 : 200));
    const waits: number[] = [];
    const attempts: string[] = [];
    const report = await playLogStream(logs, {
      url: r.url,
      logsPerDelivery: 3,
      redeliveries: 2,
      sleep: async (ms) => void waits.push(ms),
      onAttempt: (a) => attempts.push(`${a.delivery}.${a.attempt}:${a.status}`),
    });
    // delivery 1 fails 3 times, delivery 2 once then passes; round 1 sends delivery 1 again
    expect(attempts).toEqual(['1.1:503', '1.2:503', '1.3:503', '2.1:503', '2.2:200', '1.1:200']);
    expect(waits).toEqual([1000, 2000, 1000, 60_000]);
    expect(report).toMatchObject({ gaveUp: [], deliveries: 2, requests: 6 });
    expect(report.delivered).toEqual([...logs.slice(3), ...logs.slice(0, 3)].map((l) => l.log_id));
  });

  it('with every log duplicated one a delivery, each copy comes after its original', async () => {
    const r = await receiver('JSONOBJECT');
    const report = await playLogStream(logs.slice(0, 3), {
      url: r.url,
      format: 'JSONOBJECT',
      duplicateShare: 1,
    });
    const ids = r.ids();
    expect(report.duplicated).toHaveLength(3);
    expect(ids).toHaveLength(6);
    for (const id of report.duplicated)
      expect(ids.lastIndexOf(id)).toBeGreaterThan(ids.indexOf(id));
  });

  it('pauses for good after `pauseAfterFailures` deliveries given up in a row', async () => {
    const r = await receiver('JSONOBJECT', () => 500);
    const report = await playLogStream(logs, {
      url: r.url,
      format: 'JSONOBJECT',
      pauseAfterFailures: 2,
      sleep: noWait,
    });
    expect(report.stoppedBy).toBe('paused');
    expect(report.requests).toBe(6);
    expect(report.gaveUp).toEqual(logs.slice(0, 2).map((log) => log.log_id));
    expect(report.notSent).toEqual(logs.slice(2).map((log) => log.log_id));
  });

  it('counts a refused connection and a timeout as attempts without an answer', async () => {
    const r = await receiver('JSONLINES', () => 'hang');
    const closed = await receiver('JSONLINES');
    const url = closed.url;
    await closed.close();
    const refused = await playLogStream(logs, { url, attempts: 2, sleep: noWait });
    expect(refused.failures).toEqual({ ECONNREFUSED: 2 });
    expect(refused.gaveUp).toHaveLength(5);
    const hung = await playLogStream(logs, { url: r.url, attempts: 1, timeoutMs: 30 });
    expect(hung.failures).toEqual({ timeout: 1 });
  });
});

describe('https, pauses and following a growing tenant', () => {
  it('trusts `ca` for an https receiver, and records the certificate error without it', async () => {
    const r = await receiver('JSONLINES', () => 204, true);
    const report = await playLogStream(logs, { url: r.url, ca: FAKE_TENANT_CA });
    expect(report.answers).toEqual({ 204: 1 });
    expect(report.delivered).toHaveLength(5);
    const untrusted = await playLogStream(logs, { url: r.url, attempts: 1 });
    expect(Object.keys(untrusted.failures)).toEqual(['UNABLE_TO_VERIFY_LEAF_SIGNATURE']);
  });

  it('follows a growing tenant until the signal aborts; logs written during a pause are never sent', async () => {
    const grown = await startFakeTenant({ logs: 20, now: () => NOW, endDate: NOW - 1000 });
    try {
      const r = await receiver('JSONLINES');
      const controller = new AbortController();
      let polls = 0;
      const waits: number[] = [];
      const report = await playLogStream(grown, {
        url: r.url,
        follow: true,
        logsPerDelivery: 10,
        pollMs: 5000,
        pauses: [{ afterDeliveries: 3, ms: 60_000 }],
        signal: controller.signal,
        sleep: async (ms) => {
          waits.push(ms);
          // the tenant writes 10 logs during each wait; the third poll ends the stream
          grown.addLogs(10);
          if (ms === 5000 && ++polls === 3) controller.abort();
        },
      });
      // 20 logs, a poll (30), a poll (40), the pause before the 4th delivery (50), a poll: abort
      expect(waits).toEqual([5000, 5000, 60_000, 5000]);
      const all = Array.from({ length: grown.logCount() }, (_, i) => grown.logIdAt(i));
      expect(all).toHaveLength(60);
      expect(report.missedWhilePaused).toEqual(all.slice(40, 50));
      expect(report.delivered).toEqual(all.slice(0, 40));
      expect(r.ids()).toEqual(report.delivered);
      expect(report.stoppedBy).toBe('signal');
    } finally {
      await grown.close();
    }
  });
});

describe('options and secrets', () => {
  const token = 'Bearer s3cr3t-stream-token';

  it('names the option, and never quotes the token', async () => {
    const bad = async (options: object) => {
      const error = await playLogStream(logs, { url: 'http://127.0.0.1:1/', ...options }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isArgumentError(error)).toBe(true);
      expect(String(error)).not.toContain('s3cr3t');
      expect(inspect(error)).not.toContain('s3cr3t');
      return (error as Error).message;
    };
    expect(await bad({ authorization: `${token}\n` })).toContain('`authorization`');
    expect(await bad({ authorization: 42 })).toBe(
      'Expected `authorization` to be a non-empty string, got a number',
    );
    expect(await bad({ headers: { Authorization: token } })).toContain('`headers`');
    expect(await bad({ headers: { 'X-Key': `${token}\r\n` } })).toContain('`headers.X-Key`');
    expect(await bad({ url: 'ftp://user:s3cr3t@host/' })).toContain('[REDACTED]');
    expect(await bad({ format: 'NDJSON' })).toContain('`format`');
    expect(await bad({ dropShare: 2 })).toContain('`dropShare`');
    expect(await bad({ pauses: [{ afterDeliveries: -1, ms: 1 }] })).toContain(
      '`pauses[0].afterDeliveries`',
    );
    await expect(
      playLogStream([{ date: 'x', type: 's' }], { url: 'http://127.0.0.1:1/' }),
    ).rejects.toThrow('`source[0].log_id`');
    await expect(playLogStream({} as FakeTenant, { url: 'http://127.0.0.1:1/' })).rejects.toThrow(
      '`source`',
    );
  });

  it('keeps the token out of the report and the attempts', async () => {
    const r = await receiver('JSONLINES', () => 401);
    const seen: string[] = [];
    const report = await playLogStream(logs, {
      url: r.url,
      authorization: token,
      attempts: 1,
      onAttempt: (a) => seen.push(inspect(a)),
    });
    expect(r.received[0]?.headers.authorization).toBe(token);
    expect(inspect(report, { depth: 10 })).not.toContain('s3cr3t');
    expect(seen.join()).not.toContain('s3cr3t');
  });
});
