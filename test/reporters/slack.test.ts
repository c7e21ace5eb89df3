import http from 'node:http';
import type { AddressInfo } from 'node:net';
import axios from 'axios';
import { isArgumentError } from '../../src/errors';
import { SlackReporter, SLACK_REPORTER_DEFAULTS, redactHook } from '../../src/reporters/slack';
import type { SlackMessage } from '../../src/reporters/slack';
import type { RunStatus } from '../../src/types';

interface Received {
  method: string | undefined;
  url: string | undefined;
  headers: http.IncomingHttpHeaders;
  body: string;
}

interface Reply {
  status: number;
  body: string;
  /** Never answer (to test timeouts). */
  hang?: boolean;
}

const SECRET_PATH = '/services/T0001/B0002/s3cr3tT0k3nValue1234';

let server: http.Server;
let received: Received[];
let reply: Reply;
let base: string;
let hook: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      received.push({ method: req.method, url: req.url, headers: req.headers, body });
      if (reply.hang) return;
      res.writeHead(reply.status, { 'content-type': 'text/plain' });
      res.end(reply.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  hook = base + SECRET_PATH;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  received = [];
  reply = { status: 200, body: 'ok' };
});

const start = new Date('2024-05-01T10:00:00.000Z');
const end = new Date('2024-05-01T10:00:21.500Z');

function status(extra: Partial<RunStatus> = {}): RunStatus {
  return { startCheckpoint: null, start, end, logsProcessed: 250, checkpoint: 'cp-250', ...extra };
}

function posted(): SlackMessage {
  expect(received).toHaveLength(1);
  return JSON.parse((received[0] as Received).body) as SlackMessage;
}

function expectNoSecret(error: unknown): void {
  const text = `${(error as Error).message} ${(error as Error).stack ?? ''} ${JSON.stringify(error)}`;
  expect(text).not.toContain(SECRET_PATH);
  expect(text).not.toContain('s3cr3tT0k3nValue1234');
  expect(text).not.toContain('B0002');
}

describe('SlackReporter.send', () => {
  it('posts a success summary to the hook', async () => {
    await new SlackReporter({ hook }).send(
      status(),
      '00000000000000000000000000000000000000000000000000000250',
    );

    const request = received[0] as Received;
    expect(request.method).toBe('POST');
    expect(request.url).toBe(SECRET_PATH);
    expect(request.headers['content-type']).toMatch(/^application\/json/);
    expect(request.headers['accept']).toBe('application/json');
    expect(posted()).toEqual({
      username: 'auth0-logger',
      icon_emoji: ':rocket:',
      attachments: [
        {
          color: '#7cd197',
          fallback: 'Auth0 Logger Success',
          text: 'Auth0 Logger Success',
          fields: [
            { title: 'Start time', value: start.toISOString(), short: true },
            { title: 'End time', value: end.toISOString(), short: true },
            { title: 'Logs processed', value: 250, short: true },
            {
              title: 'Next checkpoint',
              value: '00000000000000000000000000000000000000000000000000000250',
              short: true,
            },
          ],
        },
      ],
    });
  });

  it('posts an error summary in red with the error', async () => {
    await new SlackReporter({ hook, title: 'Logs to Splunk' }).send(
      status({ error: 'Handler failed: ECONNRESET', logsProcessed: 0 }),
      null,
    );

    const [attachment] = posted().attachments;
    expect(attachment).toMatchObject({ color: '#d13f42', fallback: 'Logs to Splunk Error' });
    expect(attachment?.fields).toContainEqual({
      title: 'Error',
      value: 'Handler failed: ECONNRESET',
      short: false,
    });
    expect(attachment?.fields).toContainEqual({ title: 'Logs processed', value: 0, short: true });
    // Without a checkpoint argument the status's own checkpoint is shown.
    expect(attachment?.fields).toContainEqual({
      title: 'Next checkpoint',
      value: 'cp-250',
      short: true,
    });
  });

  it('posts a run with a warning as a green Success with the warning and the skipped logs', async () => {
    const skipped = [
      { fromCheckpoint: 'a', toCheckpoint: 'b', logs: 100, reason: 'handler failed' },
      { fromCheckpoint: 'b', toCheckpoint: 'c', logs: 20, reason: 'handler failed' },
    ];
    await new SlackReporter({ hook }).send(
      status({ warning: 'Stopped early: rate limit', skipped, checkpoint: null, end: null }),
      null,
    );

    const [attachment] = posted().attachments;
    // The original colored and titled a run by its error alone.
    expect(attachment).toMatchObject({ color: '#7cd197', text: 'Auth0 Logger Success' });
    expect(attachment?.fields).toEqual(
      expect.arrayContaining([
        { title: 'Warning', value: 'Stopped early: rate limit', short: false },
        { title: 'Logs skipped', value: 120, short: true },
        { title: 'Next checkpoint', value: 'none', short: true },
        { title: 'End time', value: 'unknown', short: true },
      ]),
    );
    expect(attachment?.fields.map((f) => f.title)).not.toContain('Error');
  });

  it('uses the naming options and links the details url', async () => {
    await new SlackReporter({
      hook,
      username: 'auth0-logs-to-splunk',
      icon: ':wave:',
      url: 'https://example.com/extension',
      text: 'Custom text',
      fallback: 'Custom fallback',
    }).send(status({ start: '2024-05-01T10:00:00Z' }), 'cp');

    const message = posted();
    expect(message).toMatchObject({ username: 'auth0-logs-to-splunk', icon_emoji: ':wave:' });
    expect(message.attachments[0]).toMatchObject({
      fallback: 'Custom fallback',
      text: 'Custom text (<https://example.com/extension|Details>)',
    });
    expect(message.attachments[0]?.fields[0]).toEqual({
      title: 'Start time',
      value: '2024-05-01T10:00:00Z',
      short: true,
    });
  });

  it('sends nothing without a hook', async () => {
    await expect(new SlackReporter({}).send(status(), 'cp')).resolves.toBeUndefined();
    await expect(new SlackReporter().send(status(), 'cp')).resolves.toBeUndefined();
    await expect(new SlackReporter({ hook: '' }).send(status(), 'cp')).resolves.toBeUndefined();
    expect(received).toHaveLength(0);
  });

  it('posts with the injected axios instance', async () => {
    const instance = axios.create();
    const seen: string[] = [];
    instance.interceptors.request.use((config) => {
      seen.push(String(config.method));
      return config;
    });
    await new SlackReporter({ hook, http: instance }).send(status(), 'cp');
    expect(seen).toEqual(['post']);
    expect(received).toHaveLength(1);
  });

  it('rejects without the hook path when Slack answers an error', async () => {
    reply = { status: 404, body: `no_service ${SECRET_PATH}` };
    const error = await new SlackReporter({ hook }).send(status(), 'cp').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ code: 'slack_request_failed' });
    expect((error as Error).message).toBe(
      `Slack webhook ${base}/services/[redacted] answered 404: no_service [redacted]`,
    );
    expectNoSecret(error);
  });

  it('keeps a short, scrubbed excerpt of a JSON error body', async () => {
    const instance = axios.create(); // parses JSON answers
    reply = {
      status: 500,
      body: JSON.stringify({ error: 'boom', path: SECRET_PATH, pad: 'x'.repeat(500) }),
    };
    const error = await new SlackReporter({ hook, http: instance })
      .send(status(), 'cp')
      .catch((e: unknown) => e);

    expect((error as Error).message).toMatch(
      /^Slack webhook .+ answered 500: \{"error":"boom","path":"\[redacted\]"/,
    );
    expect((error as Error).message.length).toBeLessThan(300);
    expectNoSecret(error);
  });

  it('rejects without the hook path when the hook is unreachable', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    const error = await new SlackReporter({ hook: `http://127.0.0.1:${port}${SECRET_PATH}` })
      .send(status(), 'cp')
      .catch((e: unknown) => e);

    expect((error as Error).message).toMatch(
      new RegExp(
        `^Slack webhook http://127\\.0\\.0\\.1:${port}/services/\\[redacted\\] failed \\(ECONNREFUSED\\)`,
      ),
    );
    expectNoSecret(error);
  });

  it('rejects without the hook path when the request times out', async () => {
    reply = { status: 200, body: 'ok', hang: true };
    const error = await new SlackReporter({ hook, timeoutMs: 50 })
      .send(status(), 'cp')
      .catch((e: unknown) => e);

    expect((error as Error).message).toMatch(
      /^Slack webhook .+\/services\/\[redacted\] failed \(ECONNABORTED\): timeout/,
    );
    expectNoSecret(error);
    expect(received).toHaveLength(1);
  });

  it('throws at once on a missing status, as the original, even called unbound', () => {
    const reporter = new SlackReporter({ hook });
    let error: unknown;
    try {
      void reporter.send(undefined as unknown as RunStatus, 'cp');
    } catch (e) {
      error = e;
    }
    expect(isArgumentError(error)).toBe(true);
    expect(error).toMatchObject({ option: 'status' });
    expect((error as Error).message).toMatch(/object status is required/);
    const { send } = reporter;
    expect(() => send(null as unknown as RunStatus)).toThrow(/object status is required/);
    expect(received).toHaveLength(0);
  });

  it('shows an error given as an Error object by its message, and a list by each', async () => {
    const reporter = new SlackReporter({ hook });
    const error = new Error('connect ECONNREFUSED 127.0.0.1:9');
    const message = reporter.createMessage(
      status({ error: error as unknown as string, logsProcessed: 3 }),
    );
    expect(message.attachments[0]?.fields).toContainEqual({
      title: 'Error',
      value: 'connect ECONNREFUSED 127.0.0.1:9',
      short: false,
    });
    const list = reporter.createMessage(
      status({ error: [new Error('ERROR'), 'later'] as unknown as string }),
    );
    expect(list.attachments[0]?.fields).toContainEqual({
      title: 'Error',
      value: 'ERROR; later',
      short: false,
    });
    expect(list.attachments[0]?.color).toBe('#d13f42');
  });

  it('renders a getReport() result as the Daily Report', async () => {
    const report = {
      type: 'report' as const,
      processed: 150,
      warnings: 1,
      errors: 2,
      checkpoint: '90020240501100000000000000000000000000000000000000000001',
    };
    await new SlackReporter({ hook, url: 'https://ext.example/logs' }).send(
      report,
      report.checkpoint,
    );
    expect(posted().attachments).toEqual([
      {
        color: '#7cd197',
        fallback: 'Auth0 Logger Daily Report',
        text: 'Auth0 Logger Daily Report (<https://ext.example/logs|Details>)',
        fields: [
          { title: 'Logs processed', value: 150, short: true },
          { title: 'Warnings', value: 1, short: true },
          { title: 'Errors', value: 2, short: true },
          { title: 'Next checkpoint', value: report.checkpoint, short: true },
        ],
      },
    ]);
  });
});

describe('SlackReporter options', () => {
  it('accepts a hook that is not an http(s) URL and rejects each send, without echoing it', async () => {
    for (const bad of [
      'hooks.slack.com/services/T0/B0002/s3cr3tT0k3nValue1234',
      'ftp://x/B0002/s3cr3tT0k3nValue1234',
    ]) {
      // The original constructed it and failed only the post, so the run still shipped.
      const reporter = new SlackReporter({ hook: bad });
      const error = await reporter.send(status(), 'cp').catch((e: unknown) => e);
      expect(isArgumentError(error)).toBe(true);
      expect(error).toMatchObject({ option: 'hook' });
      expectNoSecret(error);
    }
    expect(received).toHaveLength(0);
  });

  it('rejects a bad timeout', () => {
    for (const timeoutMs of [0, -1, 1.5, Number.NaN]) {
      expect(() => new SlackReporter({ timeoutMs })).toThrow(/`timeoutMs`/);
    }
  });

  it('exposes its defaults', () => {
    expect(SLACK_REPORTER_DEFAULTS).toEqual({
      username: 'auth0-logger',
      icon: ':rocket:',
      title: 'Auth0 Logger',
      timeoutMs: 30_000,
    });
    expect(Object.isFrozen(SLACK_REPORTER_DEFAULTS)).toBe(true);
  });
});

describe('redactHook', () => {
  it('keeps the origin and the first path segment only', () => {
    expect(redactHook('https://hooks.slack.com/services/T0/B0/secret')).toBe(
      'https://hooks.slack.com/services/[redacted]',
    );
    expect(redactHook('https://user:pw@example.com/secret?token=x')).toBe(
      'https://example.com/[redacted]',
    );
    expect(redactHook('https://example.com')).toBe('https://example.com/[redacted]');
    expect(redactHook('not a url')).toBe('[redacted]');
  });
});
