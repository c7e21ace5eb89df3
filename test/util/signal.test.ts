import { LogsApiClient } from '../../src/client';
import { ArgumentError } from '../../src/errors';
import { LogsProcessor } from '../../src/processor';
import { LogsApiStream } from '../../src/stream';
import { credentials, memoryStorage, useTenant } from '../support/tenant';

const tenant = useTenant({ logs: 20 });

/** Unhandled rejections seen while `fn` runs and a few turns after it. */
async function unhandled(fn: () => Promise<void>): Promise<unknown[]> {
  const seen: unknown[] = [];
  const listener = (reason: unknown) => seen.push(reason);
  process.on('unhandledRejection', listener);
  try {
    await fn();
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  } finally {
    process.off('unhandledRejection', listener);
  }
  return seen;
}

describe('signal: an AbortSignal or nothing, checked before any request', () => {
  const bad: [string, unknown][] = [
    ['a number', 5],
    ['a string', 'abort'],
    ['an object without aborted', { addEventListener() {}, removeEventListener() {} }],
  ];

  it.each(bad)('getLogs refuses %s naming `signal`, with no token request', async (_, signal) => {
    const before = tenant().stats().tokenRequests;
    const client = new LogsApiClient(credentials(tenant()));
    await expect(
      client.getLogs({ per_page: 1 }, { signal: signal as AbortSignal }),
    ).rejects.toMatchObject({ name: 'ArgumentError', option: 'signal' });
    await expect(
      client.findCheckpointAt('2026-01-01', { signal: signal as AbortSignal }),
    ).rejects.toBeInstanceOf(ArgumentError);
    expect(tenant().stats().tokenRequests).toBe(before);
  });

  it('LogsApiStream refuses it when constructed', () => {
    expect(() => new LogsApiStream({ ...credentials(tenant()), signal: 5 as never })).toThrow(
      /Expected `signal` to be an AbortSignal, got 5/,
    );
  });

  it('LogsProcessor.run refuses it before locking or requesting anything', async () => {
    const before = tenant().stats().tokenRequests;
    const storage = memoryStorage();
    const processor = new LogsProcessor(storage, credentials(tenant()));
    await expect(
      processor.run(async () => undefined, { signal: 5 as never }),
    ).rejects.toMatchObject({ name: 'ArgumentError', option: 'signal' });
    expect(storage.writes).toEqual([]);
    expect(tenant().stats().tokenRequests).toBe(before);
  });

  it('null and undefined mean no signal', async () => {
    const client = new LogsApiClient(credentials(tenant()));
    const page = await client.getLogs(
      { from: tenant().logIdAt(0), take: 1 },
      { signal: null as never },
    );
    expect(page.logs).toHaveLength(1);
  });

  it('waitOnRateLimit must be true or false, naming it', () => {
    expect(
      () => new LogsApiStream({ ...credentials(tenant()), waitOnRateLimit: 'yes' as never }),
    ).toThrow(/Expected `waitOnRateLimit` to be true or false, got "yes"/);
  });
});

describe('no rejection is left unobserved', () => {
  it('a token request that fails after its caller stopped waiting (already aborted signal)', async () => {
    const client = new LogsApiClient({ ...credentials(tenant()), clientSecret: 'wrong' });
    const controller = new AbortController();
    controller.abort();
    const seen = await unhandled(async () => {
      await expect(
        client.getLogs({ per_page: 1 }, { signal: controller.signal }),
      ).rejects.toMatchObject({ name: 'AbortError' });
    });
    expect(seen).toEqual([]);
  });

  it('a shared token request abandoned by an aborted caller, then failing', async () => {
    const client = new LogsApiClient({ ...credentials(tenant()), clientSecret: 'wrong' });
    const controller = new AbortController();
    const seen = await unhandled(async () => {
      const first = client.getLogs({ per_page: 1 }, { signal: controller.signal });
      controller.abort();
      await expect(first).rejects.toMatchObject({ name: 'AbortError' });
    });
    expect(seen).toEqual([]);
  });
});
