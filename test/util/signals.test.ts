import { AbortError } from '../../src/errors';
import { abortable, eitherSignal } from '../../src/util/signals';

describe('eitherSignal', () => {
  const stop = { stopReason: 'caught_up' as const };

  it.each([
    ['with AbortSignal.any', false],
    ['without it (Node 20.0 to 20.2)', true],
  ])('aborts when either aborts, with that signal reason, %s', (_, withoutAny) => {
    const any = AbortSignal.any;
    if (withoutAny) (AbortSignal as { any?: unknown }).any = undefined;
    try {
      const a = new AbortController();
      const b = new AbortController();
      const either = eitherSignal(a.signal, b.signal);
      expect(either.aborted).toBe(false);
      b.abort(stop);
      expect(either.aborted).toBe(true);
      expect(either.reason).toBe(stop);
      a.abort('later');
      expect(either.reason).toBe(stop);

      const done = new AbortController();
      done.abort(stop);
      expect(eitherSignal(new AbortController().signal, done.signal).reason).toBe(stop);
    } finally {
      AbortSignal.any = any;
    }
  });
});

describe('abortable', () => {
  it('rejects with an AbortError when the signal aborts, and lets the promise go on', async () => {
    const controller = new AbortController();
    let settle!: (value: string) => void;
    const shared = new Promise<string>((resolve) => (settle = resolve));
    const waiting = abortable(shared, controller.signal);
    controller.abort();
    await expect(waiting).rejects.toBeInstanceOf(AbortError);
    settle('token');
    await expect(shared).resolves.toBe('token');
    await expect(abortable(Promise.resolve(1), undefined)).resolves.toBe(1);
  });
});
