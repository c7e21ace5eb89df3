import { splunk } from '../../src/destinations/splunk';
import { datadog } from '../../src/destinations/datadog';
import { LogsProcessor } from '../../src/processor';
import type { LogsProcessorOptions } from '../../src/options/processor';
import { SHIPPER_DEFAULTS, shipperFailurePolicy } from '../../src/pipeline/promise';
import { tenantProcessorOptions } from '../../src/cluster/tenant-options';
import type { LogEvent, LogsHandler, WaitEvent } from '../../src/types';
import { type HecPeer, startHecPeer } from '../support/hec-peer';
import { type DatadogPeer, startDatadogPeer } from '../support/datadog-peer';
import type { Peer, PeerAnswer } from '../support/peer';
import { credentials, memoryStorage, useTenant } from '../support/tenant';

const TOKEN = '6c1d1e2f-hec0-4b5c-9d8e-7f6a5b4c3d2e';
const API_KEY = 'dd0a1b2c3d4e5f60718293a4b5c6d7e8';
const TOTAL = 1000;
const tenant = useTenant({ logs: TOTAL, startDate: Date.now() - 3600_000 });
const allIds = () => Array.from({ length: TOTAL }, (_, i) => tenant().logIdAt(i));

/** A simulated clock: `sleep` advances it at once; no test waits for real. */
function simulatedTime() {
  let t = Date.now();
  const waits: WaitEvent[] = [];
  return {
    waits,
    now: () => t,
    advance: (ms: number) => void (t += ms),
    timing: {
      now: () => t,
      sleep: async (ms: number) => void (t += ms),
      random: () => 0.5,
      onWait: (event: WaitEvent) => void waits.push(event),
    },
  };
}

/**
 * Wraps a destination so that its strict peer answers `answer` to every request sent before
 * `untilMs` (simulated time): a collector refusing for a while.
 */
function refusingUntil(
  peer: Peer,
  handler: LogsHandler,
  now: () => number,
  untilMs: number,
  answer: PeerAnswer,
): LogsHandler {
  return async (logs: LogEvent[]) => {
    if (now() < untilMs) peer.script(answer);
    await (handler as (logs: LogEvent[]) => Promise<void>)(logs);
  };
}

describe('the shipping promise lives in one place', () => {
  it('ship and serve stop on a failed batch unless the operator asked to skip; the library keeps skip', () => {
    expect(SHIPPER_DEFAULTS.onBatchFailure).toBe('stop');
    expect(shipperFailurePolicy()).toBe('stop');
    expect(shipperFailurePolicy('stop')).toBe('stop');
    expect(shipperFailurePolicy('skip')).toBe('skip');
    const serve = { domain: 'a.auth0.com', clientId: 'id', clientSecret: 'secret' };
    expect(tenantProcessorOptions(serve).onBatchFailure).toBe('stop');
    expect(tenantProcessorOptions({ ...serve, onBatchFailure: 'skip' }).onBatchFailure).toBe(
      'skip',
    );
  });
});

describe('a collector answering 503 for 15 s (simulated time) under the serve processor options', () => {
  let peer: HecPeer;
  beforeEach(async () => {
    peer = await startHecPeer(TOKEN);
  });
  afterEach(async () => {
    await peer.close();
  });

  /** Runs like serve does (a run, then the next after the interval) until caught up; counts losses. */
  async function serveLike(options: Partial<LogsProcessorOptions>) {
    const time = simulatedTime();
    const outageEnd = time.now() + 15_000;
    const hec = splunk({ url: peer.url, token: TOKEN });
    const handler = refusingUntil(peer, hec, time.now, outageEnd, {
      status: 503,
      body: { text: 'Server is busy', code: 9 },
    });
    const storage = memoryStorage();
    const base = tenantProcessorOptions(credentials(tenant()));
    const processor = new LogsProcessor(storage, {
      ...base,
      ...credentials(tenant()),
      ...time.timing,
      batchSize: 100,
      ...options,
    });
    let skipped = 0;
    for (let run = 0; run < 20; run++) {
      const { status } = await processor.run(handler);
      skipped += (status.skipped ?? []).reduce((sum, r) => sum + r.logs, 0);
      if (!status.error && status.stopReason === 'caught_up') break;
      time.advance(2_000); // serve's interval before the tenant runs again
    }
    await hec.close();
    const stored = new Set(peer.events.map((e) => e.event['log_id']));
    return { lost: allIds().filter((id) => !stored.has(id)).length, skipped };
  }

  it("loses no log with serve's options (the shipping default 'stop')", async () => {
    const { lost, skipped } = await serveLike({});
    expect(lost).toBe(0);
    expect(skipped).toBe(0);
    // each log stored once: a stopped batch was not acknowledged, so it is sent again
    expect(new Set(peer.events.map((e) => e.event['log_id'])).size).toBe(peer.events.length);
  });

  it("names and counts what the library's default 'skip' gives up (the before figure)", async () => {
    const { lost, skipped } = await serveLike({ onBatchFailure: 'skip' });
    expect(lost).toBeGreaterThan(0);
    expect(skipped).toBe(lost);
  });
});

describe('Retry-After is honoured (429 Retry-After: 20 for 20 s, simulated time)', () => {
  const cases: Array<{
    name: string;
    start: () => Promise<HecPeer | DatadogPeer>;
    handler: (peer: Peer) => LogsHandler & { close(): Promise<void> };
    refusal: PeerAnswer;
    stored: (peer: Peer) => unknown[];
  }> = [
    {
      name: 'Splunk HEC',
      start: () => startHecPeer(TOKEN),
      handler: (peer) => splunk({ url: peer.url, token: TOKEN }),
      refusal: {
        status: 429,
        body: { text: 'Server is busy', code: 9 },
        headers: { 'retry-after': '20' },
      },
      stored: (peer) => (peer as HecPeer).events.map((e) => e.event['log_id']),
    },
    {
      name: 'Datadog',
      start: () => startDatadogPeer(API_KEY),
      handler: (peer) => datadog({ site: peer.url, apiKey: API_KEY }),
      refusal: {
        status: 429,
        body: { errors: [{ status: '429', title: 'Too Many Requests' }] },
        headers: { 'retry-after': '20' },
      },
      stored: (peer) => (peer as DatadogPeer).entries.map((e) => e['log_id']),
    },
  ];

  for (const c of cases) {
    it(`${c.name}: every log arrives once and the handler waited the asked 20 s`, async () => {
      const peer = await c.start();
      const time = simulatedTime();
      const destination = c.handler(peer);
      const handler = refusingUntil(peer, destination, time.now, time.now() + 20_000, c.refusal);
      try {
        const { status } = await new LogsProcessor(memoryStorage(), {
          ...credentials(tenant()),
          ...time.timing,
          onBatchFailure: shipperFailurePolicy(),
          batchSize: 1000,
          maxRunTimeSeconds: 300,
        }).run(handler);
        expect(status.error).toBeUndefined();
        expect(c.stored(peer)).toEqual(allIds());
        expect(time.waits.filter((w) => w.reason === 'handler_retry')).toEqual([
          { reason: 'handler_retry', ms: 20_000 },
        ]);
      } finally {
        await destination.close();
        await peer.close();
      }
    });
  }

  it('a run that stops on such an answer says what was asked, typed, in status.retryAfterMs', async () => {
    const peer = await startHecPeer(TOKEN);
    const time = simulatedTime();
    const hec = splunk({ url: peer.url, token: TOKEN });
    // asked for more than the run has left: the run stops and says how long to wait
    const handler = refusingUntil(peer, hec, time.now, time.now() + 600_000, {
      status: 503,
      body: { text: 'Server is busy', code: 9 },
      headers: { 'retry-after': '45' },
    });
    try {
      const { status } = await new LogsProcessor(memoryStorage(), {
        ...credentials(tenant()),
        ...time.timing,
        onBatchFailure: 'stop',
        maxRunTimeSeconds: 22,
      }).run(handler);
      expect(status.stopReason).toBe('failed');
      expect(status.retryAfterMs).toBe(45_000);
      expect(status.checkpoint).toBeNull();
    } finally {
      await hec.close();
      await peer.close();
    }
  });
});

describe('logsProcessed counts a batch before the handler runs', () => {
  it('a handler that empties its array still counts every log, in the status, the history and getReport', async () => {
    const storage = memoryStorage();
    const processor = new LogsProcessor(storage, {
      ...credentials(tenant()),
      batchSize: 1000,
      sleep: async () => undefined,
    });
    const { status, checkpoint } = await processor.run(async (logs) => {
      logs.length = 0;
    });
    expect(status.logsProcessed).toBe(TOTAL);
    expect(checkpoint).toBe(tenant().logIdAt(TOTAL - 1));
    const history = storage.current?.logs as Array<{ logsProcessed: number }>;
    expect(history.at(-1)?.logsProcessed).toBe(TOTAL);
    const report = await processor.getReport(0);
    expect(report.processed).toBe(TOTAL);
  });
});
