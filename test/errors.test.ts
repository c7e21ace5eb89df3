import { HandlerError, isPermanentError } from '../src/errors';

describe('isPermanentError', () => {
  it('is true for an error marked permanent, directly or through its cause chain', () => {
    const marked = Object.assign(new Error('invalid token'), { permanent: true });
    expect(isPermanentError(marked)).toBe(true);
    expect(isPermanentError(new HandlerError('The handler failed', { cause: marked }))).toBe(true);
  });

  it('is false for unmarked errors, `permanent` values other than true, and non-errors', () => {
    expect(isPermanentError(new Error('busy'))).toBe(false);
    expect(isPermanentError(Object.assign(new Error('x'), { permanent: 'yes' }))).toBe(false);
    expect(isPermanentError(null)).toBe(false);
    expect(isPermanentError('permanent')).toBe(false);
  });

  it('stops on a cause cycle', () => {
    const a: { cause?: unknown } = {};
    const b = { cause: a };
    a.cause = b;
    expect(isPermanentError(a)).toBe(false);
  });
});
