import { promises as fs } from 'node:fs';
import path from 'node:path';
import { runShip } from '../../../src/cli/ship/command';
import { FileStorage } from '../../../src/storage/file';
import { startFakeTenant, type FakeTenant } from '../../../src/testing';
import { captureIo, ndjsonIds, tempDir } from '../../support/cli';

let dir: string;
let tenant: FakeTenant;
let caFile: string;

beforeEach(async () => {
  dir = await fs.realpath(await tempDir());
  tenant = await startFakeTenant({ logs: 300, seed: 23 });
  caFile = path.join(dir, 'ca.pem');
  await fs.writeFile(caFile, tenant.ca);
});

afterEach(async () => {
  await tenant.close();
  await fs.rm(dir, { recursive: true, force: true });
});

async function ship(state: string) {
  const env = {
    AUTH0_DOMAIN: tenant.domain,
    AUTH0_CLIENT_ID: tenant.clientId,
    AUTH0_CLIENT_SECRET: tenant.clientSecret,
  };
  const { io, stdout, stderr } = captureIo({ env });
  const code = await runShip(['--ca-file', caFile, '--state', state, '--quiet'], io);
  return { code, ids: ndjsonIds(stdout()), stderr: stderr() };
}

describe('ship: a state named through a link is the same state (issue 19, input 3)', () => {
  it('a second ship on a link to a locked state exits 3 naming it; the link stays a link', async () => {
    const real = path.join(dir, 's.json');
    const link = path.join(dir, 'link.json');
    await fs.symlink('s.json', link);

    const first = await new FileStorage(real).lock();
    let second;
    try {
      second = await ship(link);
    } finally {
      await first.release();
    }
    // before: exit 0, all 300 logs shipped a second time beside the run holding s.json
    expect(second.code).toBe(3);
    expect(second.ids).toEqual([]);
    expect(second.stderr).toContain(`The state file ${link} (${real}) is in use by another run`);

    const viaLink = await ship(link);
    expect(viaLink).toMatchObject({ code: 0 });
    expect(viaLink.ids).toHaveLength(300);
    expect((await fs.lstat(link)).isSymbolicLink()).toBe(true);
    // the real name resumes where the link left off: nothing twice
    tenant.addLogs(10);
    const viaReal = await ship(real);
    expect(viaReal.code).toBe(0);
    expect(viaReal.ids).toHaveLength(10);
    expect(new Set([...viaLink.ids, ...viaReal.ids]).size).toBe(310);
  });

  it('a run removes the temp files killed writers left of its state (issue 19, input 8)', async () => {
    const state = path.join(dir, 's.json');
    const token = '{"logs_access_token":{"token":"eyJ-left-behind","expiresAt":1}}';
    const ours = ['.s.json.31337.0123456789ab.tmp', '.s.json.7.abcdefabcdef.tmp'];
    const theirs = ['.t.json.31337.0123456789ab.tmp'];
    for (const name of [...ours, ...theirs]) await fs.writeFile(path.join(dir, name), token);
    const run = await ship(state);
    expect(run.code).toBe(0);
    expect(run.ids).toHaveLength(300);
    const temps = (await fs.readdir(dir)).filter((name) => name.endsWith('.tmp'));
    // before: both of this state's temp files (each holding a token) stayed
    expect(temps).toEqual(theirs);
  });
});
