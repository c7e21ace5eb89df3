import { promises as fs } from 'node:fs';
import path from 'node:path';
import { FileStorage, LogsApiClient, LogsApiStream, LogsProcessor } from '../../src';
import { runShip } from '../../src/cli/ship/command';
import { UNKNOWN_OPTION_WARNING } from '../../src/options/unknown-options';
import { startFakeTenant, type FakeTenant } from '../../src/testing';
import { captureIo, tempDir } from '../support/cli';

// Issue 23 item 6: a misspelled option key in plain JavaScript is ignored (the original's callers
// pass extra keys), so it is a warning naming the key and the nearest known one, not an error.

let dir: string;
let tenant: FakeTenant;
let emitted: jest.SpyInstance;

beforeAll(async () => {
  dir = await tempDir();
  tenant = await startFakeTenant({ logs: 40, seed: 6 });
});

afterAll(async () => {
  await tenant.close();
  await fs.rm(dir, { recursive: true, force: true });
});

beforeEach(() => {
  emitted = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
});

afterEach(() => emitted.mockRestore());

/** The messages of the unknown-option warnings emitted so far. */
const warnings = () =>
  emitted.mock.calls
    .filter(([, options]) => (options as { code?: string })?.code === UNKNOWN_OPTION_WARNING)
    .map(([message]) => String(message));

const credentials = () => ({
  domain: tenant.domain,
  clientId: tenant.clientId,
  clientSecret: tenant.clientSecret,
  ca: tenant.ca,
});

describe('an unknown option key warns, naming the nearest known one', () => {
  it('LogsProcessor: `logtypes` is reported once, and the run still works', async () => {
    const options = { ...credentials(), logtypes: ['f'], batchSize: 50 } as never;
    const storage = new FileStorage(path.join(dir, 'state.json'));
    const processor = new LogsProcessor(storage, options);
    new LogsProcessor(storage, options); // a loop building one per run warns once
    expect(warnings()).toEqual([
      'LogsProcessor ignores the option `logtypes`; did you mean `logTypes`?',
    ]);
    expect(emitted.mock.calls[0]?.[1]).toEqual({
      type: 'Auth0LogToolsWarning',
      code: UNKNOWN_OPTION_WARNING,
    });
    let shipped = 0;
    const { status } = await processor.run(async (logs) => {
      shipped += logs.length;
    });
    expect(status.error).toBeUndefined();
    expect(shipped).toBe(40); // ignored: every type is shipped, as the warning says
    // the processor's own client was not told about the processor's keys (batchSize)
    expect(warnings()).toHaveLength(1);
  });

  it('LogsApiStream and LogsApiClient name their own keys', () => {
    new LogsApiStream({ ...credentials(), checkpointID: null } as never);
    new LogsApiClient({ ...credentials(), timeOutMs: 5000 } as never);
    new LogsApiClient({ ...credentials(), webtaskContext: {} } as never);
    expect(warnings()).toEqual([
      'LogsApiStream ignores the option `checkpointID`; did you mean `checkpointId`?',
      'LogsApiClient ignores the option `timeOutMs`; did you mean `timeoutMs`?',
      'LogsApiClient ignores the option `webtaskContext` (not one of its options)',
    ]);
  });

  it('the CLI passes no key the library does not know', async () => {
    const ca = path.join(dir, 'ca.pem');
    await fs.writeFile(ca, tenant.ca);
    const { io } = captureIo({
      env: {
        AUTH0_DOMAIN: tenant.domain,
        AUTH0_CLIENT_ID: tenant.clientId,
        AUTH0_CLIENT_SECRET: tenant.clientSecret,
      },
    });
    const argv = ['--ca-file', ca, '--state', path.join(dir, 'cli.json'), '--types', 's,f'];
    expect(await runShip([...argv, '--out', path.join(dir, 'out.ndjson'), '--quiet'], io)).toBe(0);
    expect(warnings()).toEqual([]);
  });
});
