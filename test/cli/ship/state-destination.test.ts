import { promises as fs } from 'node:fs';
import path from 'node:path';
import { runShip } from '../../../src/cli/ship/command';
import { defaultStatePath, stateFolder } from '../../../src/cli/ship/state-path';
import { claimDestination } from '../../../src/cli/ship/state-destination';
import type { StoredState } from '../../../src/types';
import { startFakeTenant, type FakeTenant } from '../../../src/testing';
import { captureIo, ndjsonIds, startEndpoint, tempDir } from '../../support/cli';

let dir: string;
let tenant: FakeTenant;
let caFile: string;

beforeEach(async () => {
  dir = await fs.realpath(await tempDir());
  tenant = await startFakeTenant({ logs: 500, seed: 41 });
  caFile = path.join(dir, 'ca.pem');
  await fs.writeFile(caFile, tenant.ca);
});

afterEach(async () => {
  await tenant.close();
  await fs.rm(dir, { recursive: true, force: true });
});

function env(extra: Record<string, string> = {}) {
  return {
    AUTH0_DOMAIN: tenant.domain,
    AUTH0_CLIENT_ID: tenant.clientId,
    AUTH0_CLIENT_SECRET: tenant.clientSecret,
    XDG_STATE_HOME: path.join(dir, 'xdg'),
    ...extra,
  };
}

async function ship(args: string[], extraEnv: Record<string, string> = {}) {
  const { io, stdout, stderr } = captureIo({ env: env(extraEnv) });
  const code = await runShip(['--ca-file', caFile, '--quiet', ...args], io);
  return { code, stdout: stdout(), stderr: stderr() };
}

const lines = async (file: string) => ndjsonIds(await fs.readFile(file, 'utf8').catch(() => ''));

describe('a state knows its destination (issue 19, input 5)', () => {
  it('refuses another destination on a state with a checkpoint, unless --start-from', async () => {
    const state = path.join(dir, 'state.json');
    const a = path.join(dir, 'a.ndjson');
    const b = path.join(dir, 'b.ndjson');
    // a run that stopped part-way: 200 of 500 logs reached a
    expect(
      (await ship(['--state', state, '--out', a, '--max-run-time', '1000', '--batch-size', '100']))
        .code,
    ).toBe(0);
    const first = await lines(a);
    expect(first).toHaveLength(500);
    tenant.addLogs(50);

    // before: exit 0, only the 50 new logs shipped to b, the 500 older ones never reached it
    const other = await ship(['--state', state, '--out', b]);
    expect(other.code).toBe(3);
    expect(other.stderr).toContain(
      `The state ${state} holds the checkpoint of the logs shipped to file ${a}, not file ${b}`,
    );
    expect(other.stderr).toContain('Use another --state');
    expect(other.stderr).toContain('--start-from');
    expect(await lines(b)).toEqual([]);
    const stored = JSON.parse(await fs.readFile(state, 'utf8')) as Record<string, unknown>;
    expect(stored.destination).toEqual({ kind: 'file', address: a });
    expect(stored.tenant).toMatchObject({ clientId: tenant.clientId });

    // the same destination goes on; --start-from moves the state to b
    expect((await ship(['--state', state, '--out', a])).code).toBe(0);
    expect(await lines(a)).toHaveLength(550);
    const moved = await ship(['--state', state, '--out', b, '--start-from', tenant.logIdAt(0)]);
    expect(moved.code).toBe(0);
    expect((await lines(b)).length).toBeGreaterThanOrEqual(549);
    expect(JSON.parse(await fs.readFile(state, 'utf8'))).toMatchObject({
      destination: { kind: 'file', address: b },
    });
  });

  it('records a --post URL without its user info or query; another URL is refused', async () => {
    const endpoint = await startEndpoint(() => 200);
    const port = new URL(endpoint.url).port;
    const state = path.join(dir, 'state.json');
    try {
      const url = `http://user:pa55-in-url@127.0.0.1:${port}/ingest?token=q-secret-77`;
      const posted = await ship(['--state', state, '--post', url]);
      expect(posted.stderr).toBe('');
      expect(posted.code).toBe(0);
      const text = await fs.readFile(state, 'utf8');
      expect(JSON.parse(text)).toMatchObject({
        destination: { kind: 'post', address: `http://127.0.0.1:${port}/ingest` },
      });
      for (const secret of ['pa55-in-url', 'q-secret-77', 'user:'])
        expect(text).not.toContain(secret);
      const refused = await ship(['--state', state, '--post', `http://127.0.0.1:${port}/other`]);
      expect(refused.code).toBe(3);
      expect(refused.stderr).not.toContain('pa55-in-url');
    } finally {
      await endpoint.close();
    }
  });

  it('a state without a checkpoint takes any destination', async () => {
    const state = path.join(dir, 'state.json');
    await fs.writeFile(
      state,
      JSON.stringify({ destination: { kind: 'file', address: '/elsewhere.ndjson' }, logs: [] }),
    );
    const out = path.join(dir, 'a.ndjson');
    expect((await ship(['--state', state, '--out', out])).code).toBe(0);
    expect(await lines(out)).toHaveLength(500);
  });
});

describe('the default state (issue 19, input 5)', () => {
  it('is one file per tenant and destination in the per-user state folder, whatever the cwd', async () => {
    const cwd = process.cwd();
    const a = path.join(dir, 'a.ndjson');
    const elsewhere = path.join(dir, 'elsewhere');
    await fs.mkdir(elsewhere);
    try {
      process.chdir(elsewhere);
      expect((await ship(['--out', a])).code).toBe(0);
      process.chdir(dir);
      tenant.addLogs(7);
      // before: a run started in another folder started over from the oldest log
      expect((await ship(['--out', a])).code).toBe(0);
    } finally {
      process.chdir(cwd);
    }
    expect(await lines(a)).toHaveLength(507);
    const folder = path.join(dir, 'xdg', 'auth0-log-tools');
    const files = (await fs.readdir(folder)).filter((f) => f.endsWith('.json'));
    expect(files).toEqual([
      path.basename(defaultStatePath(env(), tenant.domain, { kind: 'file', address: a }, dir).path),
    ]);
    expect(files[0]).toMatch(/^127\.0\.0\.1_\d+--file-a\.ndjson--[0-9a-f]{8}\.json$/);
    // another destination gets a state of its own (not a refusal)
    const b = path.join(dir, 'b.ndjson');
    expect((await ship(['--out', b])).code).toBe(0);
    expect(await lines(b)).toHaveLength(507);
  });

  it('uses a state left at the old default in the working folder, saying so', async () => {
    const cwd = process.cwd();
    const out = path.join(dir, 'a.ndjson');
    const old = path.join(dir, '.auth0-log-tools', 'state.json');
    await fs.mkdir(path.dirname(old));
    try {
      process.chdir(dir);
      expect((await ship(['--out', out, '--state', old])).code).toBe(0);
      tenant.addLogs(3);
      const { io, stderr } = captureIo({ env: env() });
      expect(await runShip(['--ca-file', caFile, '--out', out], io)).toBe(0);
      expect(stderr()).toContain(`using the state ${old}, left at the old default`);
      expect(stderr()).toContain(path.join(dir, 'xdg', 'auth0-log-tools'));
    } finally {
      process.chdir(cwd);
    }
    expect(await lines(out)).toHaveLength(503);
  });

  it.each<[NodeJS.Platform, Record<string, string>, string]>([
    ['linux', { XDG_STATE_HOME: '/x/state' }, '/x/state/auth0-log-tools'],
    ['linux', {}, '/home/u/.local/state/auth0-log-tools'],
    ['linux', { XDG_STATE_HOME: 'relative' }, '/home/u/.local/state/auth0-log-tools'],
    ['darwin', {}, '/home/u/Library/Application Support/auth0-log-tools/state'],
  ])('on %s with %j is %s', (platform, given, folder) => {
    expect(stateFolder(given, platform, '/home/u')).toBe(folder);
  });
});

describe('claimDestination', () => {
  const a = { kind: 'file', address: '/logs/a.ndjson' };
  const b = { kind: 'post', address: 'https://collector.example/ingest' };
  const checkpoint = '9'.repeat(56);
  function memory(doc: StoredState | undefined) {
    let current = doc;
    return {
      read: async () => current,
      write: async (next: StoredState) => {
        current = JSON.parse(JSON.stringify(next)) as StoredState;
      },
      current: () => current,
    };
  }

  it('moving with --start-from drops the old checkpoint and startFrom with the destination', async () => {
    const storage = memory({ destination: a, checkpointId: checkpoint, startFrom: 'x', logs: [] });
    expect(await claimDestination(storage, b, 'x', '/s.json')).toBeUndefined();
    expect(storage.current()).toEqual({ destination: b, checkpointId: null, logs: [] });
  });

  it('refuses without --start-from, changing nothing; claims a state recorded by no one', async () => {
    const stored = { destination: a, checkpointId: checkpoint, logs: [] };
    const storage = memory(stored);
    expect(await claimDestination(storage, b, undefined, '/s.json')).toContain(
      'The state /s.json holds the checkpoint of the logs shipped to file /logs/a.ndjson, not post https://collector.example/ingest',
    );
    expect(storage.current()).toBe(stored);
    const older = memory({ checkpointId: checkpoint, logs: [] });
    expect(await claimDestination(older, b, undefined, '/s.json')).toBeUndefined();
    expect(older.current()).toEqual({ destination: b, checkpointId: checkpoint, logs: [] });
  });
});
