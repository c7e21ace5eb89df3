import { datadog, DATADOG_INTAKE_WINDOW_MS, IntakeWindow } from '../../src/destinations/datadog';
import { type DatadogPeer, startDatadogPeer } from '../support/datadog-peer';
import { ship } from '../support/ship';
import { useTenant } from '../support/tenant';

const API_KEY = 'dd0a1b2c3d4e5f60718293a4b5c6d7e8';
const HOUR = 3600_000;
// 300 logs 6 min apart from 30 h 3 min ago: the 121 dated before 18 h ago are outside the intake
// window, the nearest 3 min from its edge (no run takes that long)
const START = Date.now() - 30 * HOUR - 3 * 60_000;
const tenant = useTenant({ logs: 300, startDate: START, endDate: START + 299 * 6 * 60_000 });
let peer: DatadogPeer;

beforeEach(async () => {
  peer = await startDatadogPeer(API_KEY);
});
afterEach(async () => {
  await peer.close();
});

describe("Datadog's 18 h intake window", () => {
  it('counts the logs older than the window with its clock and reports them once', () => {
    const now = Date.parse('2026-12-07T12:00:00Z');
    const window = new IntakeWindow(() => now);
    const at = (ms: number) => ({ date: new Date(ms).toISOString(), type: 's' });
    window.count([at(now - DATADOG_INTAKE_WINDOW_MS - 1), at(now - 19 * HOUR), at(now - HOUR)]);
    window.count([at(now - DATADOG_INTAKE_WINDOW_MS), { date: 'not a date', type: 's' }]);
    const [warning, ...more] = window.drain();
    expect(more).toEqual([]);
    expect(warning?.code).toBe('destination_window');
    expect(warning?.message).toMatch(
      /^2 logs sent to Datadog are dated more than 18 h back \(oldest 2026-12-06T17:00:00.000Z\)/,
    );
    expect(window.drain()).toEqual([]);
  });

  it('a run of older logs ships them and says in status.warnings how many Datadog will drop', async () => {
    const handler = datadog({ site: peer.url, apiKey: API_KEY });
    const { result } = await ship(tenant(), handler, { batchSize: 100 });
    await handler.close();
    expect(result.status.error).toBeUndefined();
    expect(peer.entries).toHaveLength(300);
    const limit = Date.now() - DATADOG_INTAKE_WINDOW_MS;
    const old = peer.entries.filter((e) => Date.parse(String(e['date'])) < limit).length;
    expect(old).toBe(121);
    const warnings = (result.status.warnings ?? []).filter((w) => w.code === 'destination_window');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toMatch(new RegExp(`^${old} logs sent to Datadog`));
  });
});
