import { callHandler } from '../src/delivery';
import { HandlerError } from '../src/errors';
import type { LogEvent } from '../src/types';

const logs: LogEvent[] = [{ log_id: '1', date: '2024-01-01T00:00:00.000Z', type: 's' }];

describe('callHandler', () => {
  it('acknowledges through the callback', async () => {
    const seen: LogEvent[][] = [];
    await callHandler((batch, cb) => {
      seen.push(batch);
      setTimeout(() => cb(), 1);
    }, logs);
    expect(seen).toEqual([logs]);
  });

  it('acknowledges through a returned promise', async () => {
    await expect(callHandler(async () => undefined, logs)).resolves.toBeUndefined();
  });

  it('maps callback errors, rejections and synchronous throws to HandlerError with the cause', async () => {
    const boom = new Error('destination down');
    for (const handler of [
      (_: LogEvent[], cb: (e?: unknown) => void) => cb(boom),
      async () => Promise.reject(boom),
      () => {
        throw boom;
      },
    ]) {
      const error = await callHandler(handler, logs).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(HandlerError);
      expect(error).toMatchObject({ code: 'handler_failed', cause: boom });
      expect((error as Error).message).toContain('destination down');
    }
  });

  it('settles once even when a handler both calls back and resolves', async () => {
    await expect(
      callHandler(async (_l, cb) => {
        cb(new Error('first'));
      }, logs),
    ).rejects.toThrow('first');
  });

  it('treats a rejection without a reason as a failure', async () => {
    await expect(callHandler(() => Promise.reject(undefined), logs)).rejects.toBeInstanceOf(
      HandlerError,
    );
  });

  it('treats a synchronous handler without a callback as done when it returns', async () => {
    let called = false;
    await callHandler(() => {
      called = true;
    }, logs);
    expect(called).toBe(true);
  });
});
