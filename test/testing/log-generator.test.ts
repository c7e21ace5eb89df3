import { startFakeTenant } from '../../src/testing';
import { getLogType } from '../../src/auth0/log-types';
import { LOG_TYPES } from '../../src/testing/log-catalog';
import { LogGenerator } from '../../src/testing/log-generator';
import { getLogs, getToken, manualClock } from '../support/https-client';

const START = Date.parse('2024-01-01T00:00:00.000Z');
const END = Date.parse('2024-01-03T00:00:00.000Z');
const generator = (count: number, seed = 1) =>
  new LogGenerator({ seed, count, startMs: START, endMs: END });

describe('LogGenerator', () => {
  it('builds realistic logs with 56-digit ids that encode date and index', () => {
    const logs = generator(1000);
    const log = logs.at(123);
    const id = log.log_id as string;
    expect(id).toMatch(/^900\d{53}$/);
    expect(log._id).toBe(id);
    expect(id.slice(3, 20)).toBe(log.date.replace(/\D/g, ''));
    expect(Number(id.slice(20))).toBe(123);
    expect(logs.idAt(123)).toBe(id);
    expect(logs.typeAt(123)).toBe(log.type);
    for (const field of [
      'description',
      'client_id',
      'client_name',
      'ip',
      'user_agent',
      'hostname',
    ]) {
      expect(log[field]).toEqual(expect.any(String));
    }
    expect(log).toHaveProperty('details');
    expect(log).toHaveProperty('isMobile');
  });

  it('spreads the initial logs evenly from the first date to the last', () => {
    const logs = generator(5);
    const dates = [0, 1, 2, 3, 4].map((i) => logs.dateMsAt(i));
    expect(dates).toEqual([0, 1, 2, 3, 4].map((i) => START + (i * (END - START)) / 4));
    expect(() => logs.dateMsAt(5)).toThrow(RangeError);
  });

  it('mixes types like a real tenant, at 600-900 bytes of JSON per log', () => {
    const logs = generator(5000);
    const counts = new Map<string, number>();
    let bytes = 0;
    for (let i = 0; i < 5000; i++) {
      const log = logs.at(i);
      counts.set(log.type, (counts.get(log.type) ?? 0) + 1);
      bytes += JSON.stringify(log).length;
    }
    expect(bytes / 5000).toBeGreaterThan(600);
    expect(bytes / 5000).toBeLessThan(900);
    expect([...counts.keys()].sort()).toEqual([...LOG_TYPES].sort());
    expect(counts.get('s')).toBeGreaterThan(counts.get('f') as number);
    const users = new Set(Array.from({ length: 500 }, (_, i) => logs.at(i).user_id));
    expect(users.size).toBeGreaterThan(100);
  });

  it("generates only codes of the package's log type catalog", () => {
    const logs = generator(5000);
    const unknown = new Set<string>();
    for (let i = 0; i < 5000; i++) if (!getLogType(logs.at(i).type)) unknown.add(logs.at(i).type);
    expect([...unknown]).toEqual([]);
    expect(LOG_TYPES.filter((type) => !getLogType(type))).toEqual([]);
  });

  it('is deterministic: the same seed gives the same logs, another seed others', () => {
    const [a, b, c] = [generator(100, 42), generator(100, 42), generator(100, 43)];
    for (const i of [0, 57, 99]) expect(a.at(i)).toEqual(b.at(i));
    expect(a.at(5)).not.toEqual(c.at(5));
    expect(a.idAt(5)).toBe(c.idAt(5));
  });

  it('keeps 200,000 logs lazily, with strictly increasing ids', () => {
    const before = process.memoryUsage().heapUsed;
    const logs = generator(200_000);
    let previous = '';
    for (let i = 0; i < 200_000; i += 1) {
      const id = logs.idAt(i);
      if (!(id > previous)) throw new Error(`id ${i} is not greater than id ${i - 1}`);
      previous = id;
    }
    expect(logs.indexAfter(logs.idAt(150_000))).toBe(150_001);
    expect(logs.indexAfter(`${logs.idAt(150_000)}0`)).toBe(150_001);
    expect(logs.indexAtOrAfter(END)).toBe(199_999);
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(30 * 1024 * 1024);
  });
});

describe('fake tenant logs', () => {
  it('serves 200,000 logs without building them', async () => {
    const before = process.memoryUsage().heapUsed;
    const tenant = await startFakeTenant({ logs: 200_000 });
    try {
      expect(process.memoryUsage().heapUsed - before).toBeLessThan(30 * 1024 * 1024);
      const token = await getToken(tenant);
      const page = (
        await getLogs(tenant, token, { from: tenant.logIdAt(199_950), take: 100 })
      ).json();
      expect(page).toHaveLength(49);
      expect(page[48]).toEqual(tenant.logAt(199_999));
      const newest = (await getLogs(tenant, token, { per_page: 1, q: 'type:du' })).json();
      expect(newest[0].type).toBe('du');
      expect(newest[0].log_id > tenant.logIdAt(199_000)).toBe(true);
    } finally {
      await tenant.close();
    }
  });

  it('serves the same logs from two tenants with the same seed and dates', async () => {
    const clock = manualClock();
    const options = { logs: 500, seed: 9, now: clock.now, startDate: '2024-04-01T00:00:00Z' };
    const [a, b] = await Promise.all([startFakeTenant(options), startFakeTenant(options)]);
    try {
      const query = { from: '', take: 100 };
      const [pageA, pageB] = await Promise.all(
        [a, b].map(async (tenant) => (await getLogs(tenant, await getToken(tenant), query)).text),
      );
      expect(pageA).toBe(pageB);
      expect(JSON.parse(pageA as string)[0].date).toBe('2024-04-01T00:00:00.000Z');
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
