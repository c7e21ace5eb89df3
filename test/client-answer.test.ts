// `getLogs` tells `onAnswer` of a 2xx answer before it parses the body: the page source
// starts its next request from `Link` then.
import { LogsApiClient } from '../src/client';
import type { LogsAnswer } from '../src/auth0/types';
import { ManagementApiError } from '../src/errors';
import { credentials, useTenant } from './support/tenant';

const tenant = useTenant({ logs: 250 });

function client() {
  return new LogsApiClient({ ...credentials(tenant()) });
}

describe('getLogs onAnswer', () => {
  it("gives the answer's Link and limits before the page resolves, once", async () => {
    const told: LogsAnswer[] = [];
    const resolvedWhenTold: boolean[] = [];
    let resolved = false;
    const pending = client()
      .getLogs(
        { take: 100, from: tenant().logIdAt(0) },
        {
          onAnswer: (answer) => {
            resolvedWhenTold.push(resolved);
            told.push(answer);
          },
        },
      )
      .then((page) => {
        resolved = true;
        return page;
      });
    const page = await pending;
    expect(resolvedWhenTold).toEqual([false]);
    const [answer] = told as [LogsAnswer];
    expect(answer.empty).toBe(false);
    expect(answer.link).toBe(page.link);
    expect(answer.link).toContain(`from=${tenant().logIdAt(100)}`);
    expect(answer.limits).toEqual(page.limits);
    expect(Number.isFinite(answer.limits.remaining)).toBe(true);
  });

  it('parses the body only once the promise onAnswer returns has settled', async () => {
    let release: () => void = () => undefined;
    let resolved = false;
    const told: LogsAnswer[] = [];
    const pending = client()
      .getLogs(
        { take: 5, from: tenant().logIdAt(0) },
        {
          onAnswer: (answer) => {
            told.push(answer);
            return new Promise<void>((resolve) => (release = resolve));
          },
        },
      )
      .then((page) => {
        resolved = true;
        return page;
      });
    while (told.length === 0) await new Promise((resolve) => setImmediate(resolve));
    for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
    expect(resolved).toBe(false);
    release();
    expect((await pending).logs).toHaveLength(5);
  });

  it('says `empty` for an answer of [] (the tenant has nothing after the checkpoint)', async () => {
    const told: LogsAnswer[] = [];
    const page = await client().getLogs(
      { take: 100, from: tenant().logIdAt(249) },
      { onAnswer: (answer) => void told.push(answer) },
    );
    expect(page.logs).toEqual([]);
    expect(told.map((a) => a.empty)).toEqual([true]);
  });

  it('is not called for a failed answer, and what it throws does not fail the request', async () => {
    tenant().enqueue({
      path: 'logs',
      status: 503,
      body: { statusCode: 503, error: 'Unavailable' },
    });
    const told: LogsAnswer[] = [];
    await expect(
      client().getLogs(
        { take: 10, from: tenant().logIdAt(0) },
        { onAnswer: (a) => void told.push(a) },
      ),
    ).rejects.toBeInstanceOf(ManagementApiError);
    expect(told).toEqual([]);

    const page = await client().getLogs(
      { take: 10, from: tenant().logIdAt(0) },
      {
        onAnswer: () => {
          throw new Error('boom');
        },
      },
    );
    expect(page.logs.map((l) => l.log_id)).toEqual(
      Array.from({ length: 10 }, (_, i) => tenant().logIdAt(i + 1)),
    );
  });
});
