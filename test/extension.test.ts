// Auth0's log-export extension (auth0-logs-to-provider), unchanged, on this package: the inputs
// of the extension that concern the daily report, the Slack hook, Slack messages and log type names.
import { createRequire } from 'node:module';
import { isArgumentError } from '../src/errors';
import type { StoredState } from '../src/types';
import { credentials, useTenant } from './support/tenant';
import {
  runExtension,
  sendDailyReport,
  useSlackSink,
  webtaskStorage,
  type ExtensionConfig,
} from './support/extension';

const original = createRequire(__filename)('auth0-log-extension-tools/src/logTypes') as {
  get(type: string): string;
};

// An empty tenant: each run ships the page scripted for it, then finds nothing newer.
const tenant = useTenant({ logs: 0 });
const sink = useSlackSink();

// The codes whose names Auth0 changed since the original, and one it kept.
const TYPES = [
  'api_limit',
  'gd_auth_succeed',
  'gd_auth_failed',
  'gd_auth_rejected',
  'gd_recovery_succeed',
  'gd_otp_rate_limit_exceed',
  'gd_recovery_rate_limit_exceed',
  'gd_enrollment_complete',
  'fui',
  'sui',
  's',
];

/** A page of logs written on 2020-01-01 (long before now), one per type. */
function scriptPage(): string {
  const logs = TYPES.map((type, i) => {
    const id = `900${'20200101120000'}${String(i + 1).padStart(39, '0')}`;
    return { log_id: id, _id: id, date: '2020-01-01T12:00:00.000Z', type };
  });
  tenant().enqueue({ path: 'logs', status: 200, body: logs });
  return logs[logs.length - 1]!.log_id;
}

function config(extra: Partial<ExtensionConfig> = {}): ExtensionConfig {
  const c = credentials(tenant());
  return {
    AUTH0_DOMAIN: c.domain,
    AUTH0_CLIENT_ID: c.clientId,
    AUTH0_CLIENT_SECRET: c.clientSecret,
    SLACK_INCOMING_WEBHOOK_URL: sink().url,
    ...extra,
  };
}

function fields(
  post: { attachments: Array<{ fields: Array<{ title: string; value: unknown }> }> } | undefined,
) {
  return Object.fromEntries((post?.attachments[0]?.fields ?? []).map((f) => [f.title, f.value]));
}

describe("Auth0's log-export extension, unchanged", () => {
  it('ships the original name of every log type (item 7)', async () => {
    scriptPage();
    const run = await runExtension(config(), webtaskStorage(), tenant().ca);
    expect(run.result?.status.error).toBeUndefined();
    expect(run.shipped).toHaveLength(TYPES.length);
    for (const log of run.shipped) {
      expect(log['type_name']).toBe(original.get(String(log['type'])));
    }
    expect(run.shipped.map((log) => log['type_name'])).toContain('Rate Limit On API');
  });

  it('reports a run with a warning as a green Success with the warning (item 6)', async () => {
    const last = scriptPage();
    const run = await runExtension(
      config({ SLACK_SEND_SUCCESS: 'true' }),
      webtaskStorage(),
      tenant().ca,
    );
    await Promise.all(run.slack);
    // The logs are years old: the run warns that the tenant is far behind.
    expect(run.result?.status.warning).toEqual(expect.any(String));
    expect(sink().posts).toHaveLength(1);
    const [post] = sink().posts;
    expect(post?.username).toBe('auth0-logs-to-provider');
    expect(post?.attachments[0]).toMatchObject({ color: '#7cd197', text: 'Logs Export Success' });
    expect(fields(post)).toMatchObject({
      'Logs processed': TYPES.length,
      'Next checkpoint': last,
      Warning: run.result?.status.warning,
    });
    expect(fields(post)).not.toHaveProperty('Error');
  });

  it('shows the message of an Error the extension reports when the run rejects (item 6)', async () => {
    scriptPage();
    const storage = webtaskStorage();
    // The token is stored; the first checkpoint is not.
    const failing = {
      read: () => storage.read(),
      write: async (doc: StoredState) => {
        if (doc.checkpointId) throw new Error('webtask storage is down');
        await storage.write(doc);
      },
    };
    const run = await runExtension(config(), failing, tenant().ca);
    await Promise.all(run.slack);
    expect(run.error).toBeInstanceOf(Error);
    expect(run.shipped).toHaveLength(TYPES.length);
    const [post] = sink().posts;
    expect(post?.attachments[0]).toMatchObject({ color: '#d13f42', text: 'Logs Export Error' });
    expect(fields(post)).toMatchObject({
      'Logs processed': 0,
      Error: (run.error as Error).message,
    });
    expect((run.error as Error).message).not.toBe('');
  });

  it('sends the daily report with the totals of the last day (item 1)', async () => {
    const storage = webtaskStorage();
    const last = scriptPage();
    const first = await runExtension(config(), storage, tenant().ca);
    expect(first.result?.status.warning).toEqual(expect.any(String));
    tenant().enqueue({
      path: 'logs',
      status: 403,
      body: { error: 'insufficient_scope', error_description: 'Insufficient scope: read:logs' },
    });
    const second = await runExtension(config(), storage, tenant().ca);
    expect(second.result?.status.error).toEqual(expect.any(String));
    await Promise.all(second.slack);
    sink().posts.length = 0;

    await sendDailyReport(config(), storage, tenant().ca, Date.now() + 1000);
    expect(sink().posts).toHaveLength(1);
    const [post] = sink().posts;
    expect(post?.attachments[0]).toMatchObject({
      color: '#7cd197',
      text: 'Logs Export Daily Report',
    });
    expect(post?.attachments[0]?.fields).toEqual([
      { title: 'Logs processed', value: TYPES.length, short: true },
      { title: 'Warnings', value: 1, short: true },
      { title: 'Errors', value: 1, short: true },
      { title: 'Next checkpoint', value: last, short: true },
    ]);
  });

  it('ships the logs when the Slack hook has no scheme; only the Slack post fails (item 3)', async () => {
    scriptPage();
    const hook = 'hooks.slack.com/services/T0/B0/noSchemeSecret123';
    const run = await runExtension(
      config({ SLACK_INCOMING_WEBHOOK_URL: hook, SLACK_SEND_SUCCESS: true }),
      webtaskStorage(),
      tenant().ca,
    );
    expect(run.error).toBeUndefined();
    expect(run.result?.status.logsProcessed).toBe(TYPES.length);
    expect(run.shipped).toHaveLength(TYPES.length);
    const [slackError] = await Promise.all(run.slack);
    expect(isArgumentError(slackError)).toBe(true);
    expect(slackError).toMatchObject({ option: 'hook' });
    expect(JSON.stringify(slackError) + String(slackError)).not.toContain('noSchemeSecret123');
    expect(sink().posts).toHaveLength(0);
  });
});
