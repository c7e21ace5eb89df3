import { FileStorage } from '../src/storage/file';
import { LogsProcessor } from '../src/processor';
import type { LogEvent, StorageLock, StoredState } from '../src/types';
import { credentials, useTenant } from './support/tenant';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const tenant = useTenant({ logs: 300 });

/** A storage that can lock, recording the order of what happens to it. */
function lockable() {
  let doc: StoredState | undefined;
  let held = false;
  const events: string[] = [];
  return {
    events,
    current: () => doc,
    read: async () => {
      events.push('read');
      return doc && structuredClone(doc);
    },
    write: async (data: StoredState) => {
      events.push('write');
      doc = structuredClone(data);
    },
    lock: async (): Promise<StorageLock> => {
      if (held)
        throw Object.assign(new Error('in use'), { name: 'StorageError', code: 'state_locked' });
      held = true;
      events.push('lock');
      return {
        lost: new AbortController().signal,
        release: async () => {
          held = false;
          events.push('release');
        },
      };
    },
  };
}

describe('LogsProcessor and StorageContext.lock', () => {
  it('locks the state for the whole run: before the first read, after the last write', async () => {
    const storage = lockable();
    const processor = new LogsProcessor(storage, { ...credentials(tenant()), batchSize: 100 });
    const { status } = await processor.run(async () => undefined);
    expect(status.logsProcessed).toBe(300);
    expect(storage.events[0]).toBe('lock');
    expect(storage.events.at(-1)).toBe('release');
    expect(storage.events.filter((e) => e === 'lock')).toHaveLength(1);
    expect(storage.current()?.tenant).toEqual({
      domain: tenant().domain,
      clientId: tenant().clientId,
    });
  });

  it('refuses a second run on the same state while one runs, shipping nothing', async () => {
    const storage = lockable();
    const options = { ...credentials(tenant()), batchSize: 100 };
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const second: LogEvent[] = [];
    const first = new LogsProcessor(storage, options).run(async () => gate);
    while (!storage.events.includes('lock')) await new Promise((r) => setTimeout(r, 5));
    await expect(
      new LogsProcessor(storage, options).run(async (logs) => void second.push(...logs)),
    ).rejects.toMatchObject({ code: 'state_locked' });
    release();
    expect((await first).status.logsProcessed).toBe(300);
    expect(second).toEqual([]);
  });

  it('with FileStorage, two processors on one file: the second is refused', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'processor-lock-'));
    try {
      const file = path.join(dir, 'state.json');
      const options = credentials(tenant());
      let release: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const first = new LogsProcessor(new FileStorage(file), options).run(async () => gate);
      for (let i = 0; i < 500; i++) {
        if (
          await fs.stat(`${file}.lock`).then(
            () => true,
            () => false,
          )
        )
          break;
        await new Promise((r) => setTimeout(r, 5));
      }
      await expect(
        new LogsProcessor(new FileStorage(file), options).run(async () => undefined),
      ).rejects.toMatchObject({ code: 'state_locked' });
      release();
      await first;
      await expect(fs.stat(`${file}.lock`)).rejects.toMatchObject({ code: 'ENOENT' });
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

describe('LogEvent', () => {
  it('types the documented fields of an Auth0 log event', () => {
    const event: LogEvent = {
      date: '2026-01-01T00:00:00.000Z',
      type: 'f',
      description: 'Wrong email or password.',
      connection: 'Username-Password-Authentication',
      connection_id: 'con_1',
      client_id: null,
      client_name: '',
      ip: '203.0.113.7',
      hostname: 'acme.eu.auth0.com',
      user_id: 'auth0|1',
      user_name: 'a@example.com',
      audience: 'https://api.example.com',
      scope: 'openid',
      strategy: 'auth0',
      strategy_type: 'database',
      isMobile: false,
      details: { error: { message: 'x' } },
      user_agent: 'Chrome 120.0.0 / Mac OS X 10.15.7',
      location_info: { country_code: 'NL', latitude: 52.37, longitude: 4.9 },
      security_context: { ja3: 'a', ja4: 'b' },
      log_id: `900${'1'.repeat(53)}`,
      tenant_name: 'acme',
      custom_field: 'kept as is',
    };
    // @ts-expect-error ip is a string
    const wrong: LogEvent = { date: 'd', type: 't', ip: 7 };
    const ip: string | undefined = event.ip;
    expect([ip, wrong.type]).toEqual(['203.0.113.7', 't']);
  });
});
