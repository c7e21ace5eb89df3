import { promises as fs } from 'node:fs';
import path from 'node:path';
import { LogsApiClient } from '../../src/client';
import { LogsProcessor } from '../../src/processor';
import { LogsApiStream } from '../../src/stream';
import { OLDEST_FROM, compareLogIds } from '../../src/auth0/log-id';
import { runShip } from '../../src/cli/ship/command';
import type { LogEvent } from '../../src/types';
import { captureIo, ndjsonIds, tempDir } from '../support/cli';
import { credentials, memoryStorage, useTenant } from '../support/tenant';

/**
 * Issue 19, input 1: a fresh state's first request was a search sorted by date; a late-written log
 * among the 100 oldest sorted before logs with smaller ids, the page check refused the page as out
 * of order, and every run failed (0 of 300 shipped, exit 1). Every run now starts in checkpoint
 * mode, `from` an id below every log (`OLDEST_FROM`), so no run depends on date order.
 */

/** The tenant's clock, and the one of every run here: simulated, standing still. */
const NOW = Date.parse('2026-03-01T12:00:00.000Z');
/** 300 logs one second apart up to NOW, a fifth of them written up to 2.5 s late. */
const tenant = useTenant({
  logs: 300,
  seed: 19,
  startDate: NOW - 299_000,
  endDate: NOW,
  lateShare: 0.2,
  lateMs: 2500,
  now: () => NOW,
});
const noWait = { sleep: async () => undefined, random: () => 0, now: () => NOW };
const allIds = () => Array.from({ length: 300 }, (_, i) => tenant().logIdAt(i));

describe('a fresh state on a tenant that writes logs late', () => {
  it('the input holds: the 100 oldest by date are not in log_id order', async () => {
    const client = new LogsApiClient({ ...credentials(tenant()), now: () => NOW });
    const { logs } = await client.getLogs({ per_page: 100, page: 0, sort: 'date:1' });
    const ids = logs.map((log) => log.log_id as string);
    const inversions = ids.filter((id, i) => i > 0 && compareLogIds(id, ids[i - 1]!) < 0);
    expect(inversions.length).toBeGreaterThan(0);
  });

  it('LogsProcessor ships 300 of 300 in log_id order from OLDEST_FROM, never a search', async () => {
    tenant().resetStats();
    const shipped: string[] = [];
    const storage = memoryStorage();
    const result = await new LogsProcessor(storage, {
      ...credentials(tenant()),
      ...noWait,
    }).run(async (logs: LogEvent[]) => {
      shipped.push(...logs.map((log) => log.log_id as string));
    });
    expect(result.status.error).toBeUndefined();
    expect(result.status.stopReason).toBe('caught_up');
    expect(result.status.startCheckpoint).toBeNull();
    expect(result.status.logsProcessed).toBe(300);
    expect(shipped).toEqual(allIds());
    expect(storage.current?.checkpointId).toBe(tenant().logIdAt(299));
    // 3 pages of 100 and the empty one: every request in checkpoint mode
    expect(tenant().stats().logRequests).toBe(4);
  });

  it('LogsApiStream pages 300 of 300 in log_id order', async () => {
    const stream = new LogsApiStream({ ...credentials(tenant()), ...noWait });
    const seen: string[] = [];
    for await (const page of stream) seen.push(...page.logs.map((log) => log.log_id as string));
    expect(seen).toEqual(allIds());
    expect(stream.status.startCheckpoint).toBeNull();
  });

  it('ship exits 0 having shipped 300 of 300, in log_id order', async () => {
    const dir = await tempDir();
    try {
      const caFile = path.join(dir, 'ca.pem');
      await fs.writeFile(caFile, tenant().ca);
      const out = path.join(dir, 'logs.ndjson');
      const capture = captureIo({
        env: {
          AUTH0_DOMAIN: tenant().domain,
          AUTH0_CLIENT_ID: tenant().clientId,
          AUTH0_CLIENT_SECRET: tenant().clientSecret,
        },
        timing: { now: () => NOW },
      });
      const state = path.join(dir, 'state.json');
      const code = await runShip(
        ['--ca-file', caFile, '--state', state, '--out', out, '--json'],
        capture.io,
      );
      expect(code).toBe(0);
      expect(JSON.parse(capture.stdout())).toMatchObject({
        status: 'ok',
        stopReason: 'caught_up',
        logsShipped: 300,
      });
      expect(ndjsonIds(await fs.readFile(out, 'utf8'))).toEqual(allIds());
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('OLDEST_FROM is below every log id a tenant can hold (2013-01-01)', () => {
    expect(OLDEST_FROM).toBe(`90020130101000000${'0'.repeat(39)}`);
    expect(compareLogIds(OLDEST_FROM, tenant().logIdAt(0))).toBeLessThan(0);
  });
});
