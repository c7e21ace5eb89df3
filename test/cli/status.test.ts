import { promises as fs } from 'node:fs';
import path from 'node:path';
import { runStatus } from '../../src/cli/status';
import { FileStorage } from '../../src/storage/file';
import type { StoredState } from '../../src/types';
import { captureIo, tempDir } from '../support/cli';

let dir: string;
let file: string;

beforeEach(async () => {
  dir = await tempDir();
  file = path.join(dir, 'state.json');
});

afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const id = (n: number) => `900${String(n).padStart(53, '0')}`;
const state: StoredState = {
  checkpointId: id(300),
  startFrom: '2024-05-01T00:00:00.000Z',
  logs_access_token: {
    token: 'eyJ-very-secret-access-token',
    expiresAt: Date.parse('2024-05-02T00:00:00Z'),
  },
  logs: [
    {
      startCheckpoint: null,
      start: '2024-05-01T10:00:00.000Z',
      end: '2024-05-01T10:00:12.300Z',
      logsProcessed: 1200,
      checkpoint: id(100),
    },
    {
      startCheckpoint: id(100),
      start: '2024-05-01T11:00:00.000Z',
      end: '2024-05-01T11:03:20.000Z',
      logsProcessed: 100,
      checkpoint: id(200),
      warning: 'Auth0 Management API rate limit reached.',
      skipped: [{ fromCheckpoint: id(150), toCheckpoint: id(160), logs: 10, reason: 'boom' }],
    },
    {
      startCheckpoint: id(200),
      start: '2024-05-01T12:00:00.000Z',
      end: '2024-05-01T12:00:00.850Z',
      logsProcessed: 0,
      checkpoint: id(200),
      error: 'The handler failed: nope',
    },
    { startCheckpoint: id(200), start: '2024-05-01T13:00:00.000Z', end: null, logsProcessed: 5 },
  ],
};

describe('status', () => {
  it('prints the checkpoint and the run history as a table, never the token', async () => {
    await new FileStorage(file).write(state);
    const { io, stdout, stderr } = captureIo();
    expect(await runStatus(['--state', file], io)).toBe(0);
    expect(stderr()).toBe('');
    const lines = stdout().split('\n');
    expect(lines.slice(0, 6)).toEqual([
      `State file:   ${file}`,
      `Checkpoint:   ${id(300)}`,
      'Newest log:   unknown (the checkpoint is not a dated Auth0 log_id)',
      'Start from:   2024-05-01T00:00:00.000Z',
      'Access token: cached, expires 2024-05-02T00:00:00.000Z',
      'Runs:         4',
    ]);
    const table = lines.slice(7, 12);
    expect(table[0]).toBe(
      `START${' '.repeat(21)}DURATION${' '.repeat(4)}LOGS${' '.repeat(3)}CHECKPOINT${' '.repeat(48)}RESULT`,
    );
    expect(table[1]).toBe(`2024-05-01T10:00:00.000Z  12.3s       1,200  ${id(100)}  ok`);
    expect(table[2]).toBe(
      `2024-05-01T11:00:00.000Z  3m 20s      100    ${id(200)}  warning: Auth0 Management API rate limit reached; skipped 10 logs`,
    );
    expect(table[3]).toBe(
      `2024-05-01T12:00:00.000Z  850ms       0      ${id(200)}  error: The handler failed: nope`,
    );
    expect(table[4]).toMatch(/^2024-05-01T13:00:00.000Z {2}unfinished {2}5 {6}- {57}ok$/);
    expect(stdout()).not.toContain('very-secret');
  });

  it('shows only the newest runs with --limit', async () => {
    await new FileStorage(file).write(state);
    const { io, stdout } = captureIo();
    expect(await runStatus(['--state', file, '--limit', '1'], io)).toBe(0);
    expect(stdout()).toContain('Runs:         4 (newest 1 shown)');
    expect(stdout()).not.toContain('12.3s');
    expect(stdout()).toContain('unfinished');
  });

  it('says when nothing was shipped yet', async () => {
    await new FileStorage(file).write({});
    const { io, stdout } = captureIo();
    expect(await runStatus(['--state', file], io)).toBe(0);
    expect(stdout()).toBe(
      `State file:   ${file}\nCheckpoint:   none (the next run starts from the oldest log)\nNewest log:   none shipped yet\nRuns:         0\n`,
    );
  });

  it('exits with 1 when the state file is missing or corrupt', async () => {
    const missing = captureIo();
    expect(await runStatus(['--state', file], missing.io)).toBe(1);
    expect(missing.stderr()).toBe(
      `auth0-log-tools status: no state file at ${file}; nothing was shipped with it yet.\n`,
    );
    await fs.writeFile(file, 'not json');
    const corrupt = captureIo();
    expect(await runStatus(['--state', file], corrupt.io)).toBe(1);
    expect(corrupt.stderr()).toMatch(
      /^auth0-log-tools status: The state file .* is corrupt: it is not valid JSON/,
    );
  });

  it('reads .auth0-log-tools/state.json, else the per-user state folder, by default', async () => {
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const { io, stderr } = captureIo({ env: { XDG_STATE_HOME: path.join(dir, 'xdg') } });
      expect(await runStatus([], io)).toBe(1);
      expect(stderr()).toBe(
        `auth0-log-tools status: no state file at .auth0-log-tools/state.json nor in ${path.join(dir, 'xdg', 'auth0-log-tools')} (where ship keeps its states); pass --state <file>.\n`,
      );
    } finally {
      process.chdir(cwd);
    }
  });

  it('exits with 2 on bad usage and prints its help', async () => {
    const bad = captureIo();
    expect(await runStatus(['--limit', '-2'], bad.io)).toBe(2);
    expect(bad.stderr()).toMatch(/--limit/);
    const unknown = captureIo();
    expect(await runStatus(['--limit=x'], unknown.io)).toBe(2);
    expect(unknown.stderr()).toContain("Expected --limit to be an integer from 0, got 'x'");
    const help = captureIo();
    expect(await runStatus(['-h'], help.io)).toBe(0);
    expect(help.stdout()).toContain('Exit codes: 0 printed, 1 no state file');
    expect(help.stdout()).toMatch(
      /--state <file> +State file written by `ship`; without it, .* \(default: \.auth0-log-tools\/state\.json, else each state in ~\/\.local\/state\/auth0-log-tools\)/,
    );
  });
});

describe('status --json', () => {
  it('prints the state as JSON, with the tenant and the token expiry but never the token', async () => {
    await new FileStorage(file).write({
      ...state,
      tenant: { domain: 'acme.eu.auth0.com', clientId: 'client-a' },
    });
    const { io, stdout } = captureIo();
    expect(await runStatus(['--state', file, '--json', '--limit', '2'], io)).toBe(0);
    expect(stdout()).not.toContain('eyJ-very-secret-access-token');
    expect(JSON.parse(stdout())).toEqual({
      state: file,
      checkpoint: id(300),
      newestLogDate: null, // id(300) holds no date
      lagSeconds: null,
      destination: null,
      startFrom: '2024-05-01T00:00:00.000Z',
      tenant: { domain: 'acme.eu.auth0.com', clientId: 'client-a' },
      accessToken: { cached: true, expiresAt: '2024-05-02T00:00:00.000Z' },
      runs: 4,
      history: state.logs?.slice(-2),
    });
  });

  it('prints nulls for a state without checkpoint, tenant or token', async () => {
    await new FileStorage(file).write({});
    const { io, stdout } = captureIo();
    expect(await runStatus(['--state', file, '--json'], io)).toBe(0);
    expect(JSON.parse(stdout())).toEqual({
      state: file,
      checkpoint: null,
      newestLogDate: null,
      lagSeconds: null,
      startFrom: null,
      tenant: null,
      destination: null,
      accessToken: { cached: false, expiresAt: null },
      runs: 0,
      history: [],
    });
  });

  it("shows the newest shipped log's date (its log_id's) and the lag now", async () => {
    // a log_id as Auth0 serves it, written 2023-07-26 13:11:18 UTC
    const checkpoint = '90020230726131118200088000000000000001223372038981421504';
    await new FileStorage(file).write({ checkpointId: checkpoint });
    const now = () => Date.parse('2023-07-26T14:12:20.500Z');
    const text = captureIo({ timing: { now } });
    expect(await runStatus(['--state', file], text.io)).toBe(0);
    expect(text.stdout().split('\n')[2]).toBe('Newest log:   2023-07-26T13:11:18.000Z (lag 1h 1m)');
    const json = captureIo({ timing: { now } });
    expect(await runStatus(['--state', file, '--json'], json.io)).toBe(0);
    expect(JSON.parse(json.stdout())).toMatchObject({
      checkpoint,
      newestLogDate: '2023-07-26T13:11:18.000Z',
      lagSeconds: 3662.5,
    });
  });

  it('shows the tenant in the table', async () => {
    await new FileStorage(file).write({
      ...state,
      tenant: { domain: 'acme.eu.auth0.com', clientId: 'c1' },
    });
    const { io, stdout } = captureIo();
    expect(await runStatus(['--state', file], io)).toBe(0);
    expect(stdout()).toContain('Tenant:       acme.eu.auth0.com (client id c1)\n');
  });
});

describe('status: why each run stopped', () => {
  it('says in words why a run stopped before catching up', async () => {
    const run = (stopReason: 'max_run_time' | 'rate_limit' | 'aborted' | 'caught_up') => ({
      startCheckpoint: null,
      start: '2024-05-01T10:00:00.000Z',
      end: '2024-05-01T10:00:01.000Z',
      logsProcessed: 1,
      checkpoint: id(1),
      stopReason,
    });
    await new FileStorage(file).write({
      logs: [run('max_run_time'), run('rate_limit'), run('aborted'), run('caught_up')],
    });
    const { io, stdout } = captureIo();
    expect(await runStatus(['--state', file], io)).toBe(0);
    const rows = stdout().trim().split('\n').slice(-4);
    expect(rows.map((row) => row.split(id(1))[1]?.trim())).toEqual([
      'stopped at the run-time limit (--max-run-time)',
      "stopped by the tenant's rate limit",
      'stopped',
      'ok',
    ]);
  });
});

describe('status: a history in any shape the library accepts', () => {
  it("prints the original package's state (a run's error stored as an array of objects)", async () => {
    // as auth0-log-extension-tools wrote it: the error is [an error object, a message]
    await fs.writeFile(
      file,
      JSON.stringify({
        logs: [
          {
            startCheckpoint: null,
            start: '2026-11-30T12:28:20.466Z',
            end: null,
            logsProcessed: 0,
            error: [
              { cause: {}, isOperational: true },
              'Skipping logs from null to x after 1 retries.',
            ],
            checkpoint: null,
          },
        ],
      }),
    );
    const { io, stdout, stderr } = captureIo();
    expect(await runStatus(['--state', file], io)).toBe(0);
    expect(stderr()).toBe('');
    expect(stdout().trim().split('\n').pop()).toBe(
      '2026-11-30T12:28:20.466Z  unfinished  0     -           error: {"cause":{},"isOperational":true}; Skipping logs from null to x after 1 retries',
    );
    const json = captureIo();
    expect(await runStatus(['--state', file, '--json'], json.io)).toBe(0);
    expect(JSON.parse(json.stdout())).toMatchObject({ runs: 1, history: [{ logsProcessed: 0 }] });
  });

  it('never crashes on odd fields, and never shows the token a stored entry quotes', async () => {
    const token = 'eyJ-odd-history-token-0123456789';
    await fs.writeFile(
      file,
      JSON.stringify({
        startFrom: { at: 'x' },
        logs_access_token: { token, expiresAt: 1e300 },
        logs: [
          null,
          'just text',
          {
            start: 12,
            end: { when: 'later' },
            logsProcessed: '7',
            checkpoint: 5,
            error: { message: `401 with Bearer ${token}` },
            warning: ['Rate limit', { code: 'ETIMEDOUT' }],
            skipped: [{ logs: 3 }, null, { logs: 'x' }],
            stopReason: 'gone_fishing',
          },
          { start: '2024-05-01T10:00:00.000Z', logsProcessed: null, skipped: 'none', error: [] },
        ],
      }),
    );
    const { io, stdout, stderr } = captureIo();
    expect(await runStatus(['--state', file], io)).toBe(0);
    expect(stderr()).toBe('');
    const out = stdout();
    expect(out).not.toContain(token);
    expect(out).not.toContain('Access token'); // an expiry past any date is no readable expiry
    expect(out).toContain('Start from:   {"at":"x"}\n');
    const rows = out.trim().split('\n').slice(-4);
    expect(rows[0]).toMatch(/^-\s+-\s+-\s+-\s+not a run: null$/);
    expect(rows[1]).toMatch(/^-\s+-\s+-\s+-\s+not a run: just text$/);
    expect(rows[2]).toMatch(
      /^1970-01-01T00:00:00\.012Z\s+unfinished\s+7\s+5\s+stopped: gone_fishing; error: 401 with Bearer \S+; warning: Rate limit; ETIMEDOUT; skipped 3 logs$/,
    );
    expect(rows[3]).toMatch(/^2024-05-01T10:00:00\.000Z\s+unfinished\s+-\s+-\s+ok$/);
    const json = captureIo();
    expect(await runStatus(['--state', file, '--json'], json.io)).toBe(0);
    expect(json.stdout()).not.toContain(token);
    expect(JSON.parse(json.stdout())).toMatchObject({
      runs: 4,
      accessToken: { cached: false, expiresAt: null },
    });
  });
});
