import type { FakeTenantOptions } from './types';

/** The options a tenant shape sets: spread them before your own (`logs`, `now`, ...). */
export type FakeTenantShape = Readonly<
  Pick<
    FakeTenantOptions,
    'arrival' | 'bursts' | 'lateShare' | 'lateMs' | 'logs' | 'startDate' | 'endDate'
  >
>;

/**
 * Tenant shapes to test against, as {@link startFakeTenant} option presets:
 * `startFakeTenant({ ...FAKE_TENANT_SHAPES.realistic, logs: 5000 })`.
 * - `even`: today's default: logs evenly spaced, dated in `log_id` order.
 * - `realistic`: a real tenant: diurnal arrival (busy working hours, quiet nights and weekends) and
 *   1 % of logs written up to 2.5 s late, over the 2 days before the tenant's clock.
 * - `burst`: the realistic shape from Friday 2024-03-01 to Tuesday 2024-03-05 (UTC) with a
 *   credential-stuffing attack: 3,000 failed logins (`f`/`fu`) in 3 minutes at 03:00 on Monday, when
 *   the tenant is quiet; a tenth of the logs written late (the burst's logs are 60 ms apart, so many
 *   sort before smaller ids by date).
 * - `quietDays`: a little-used tenant: 30 logs over the two weeks from Friday 2024-03-01, realistic
 *   arrival, so nights and whole days pass without a log (the longest gap is 38 hours).
 * - `late`: even arrival, 5 % of logs written up to 2.5 s late, within 30 minutes on 2024-03-04: with
 *   the default 1,000 logs (1.8 s apart) some late logs sort before smaller ids by date; fewer logs
 *   are too far apart for that.
 * `burst`, `quietDays` and `late` are pinned to fixed dates (a burst needs a date, the others a
 * density): their logs are older than any clock after 2024-03-15, so do not combine them with
 * `retentionDays`.
 */
export const FAKE_TENANT_SHAPES = Object.freeze({
  even: Object.freeze({ arrival: 'even' }),
  realistic: Object.freeze({ arrival: 'realistic', lateShare: 0.01, lateMs: 2500 }),
  burst: Object.freeze({
    arrival: 'realistic',
    lateShare: 0.1,
    lateMs: 2500,
    startDate: '2024-03-01T00:00:00.000Z',
    endDate: '2024-03-05T00:00:00.000Z',
    bursts: Object.freeze([
      Object.freeze({ at: '2024-03-04T03:00:00.000Z', logs: 3000, seconds: 180 }),
    ]),
  }),
  quietDays: Object.freeze({
    arrival: 'realistic',
    logs: 30,
    startDate: '2024-03-01T00:00:00.000Z',
    endDate: '2024-03-15T00:00:00.000Z',
  }),
  late: Object.freeze({
    arrival: 'even',
    lateShare: 0.05,
    lateMs: 2500,
    startDate: '2024-03-04T12:00:00.000Z',
    endDate: '2024-03-04T12:30:00.000Z',
  }),
} satisfies Record<string, FakeTenantShape>);

/** The name of a shape of {@link FAKE_TENANT_SHAPES}. */
export type FakeTenantShapeName = keyof typeof FAKE_TENANT_SHAPES;
