import { ArgumentError } from '../../src/errors';
import { TokenBucket } from '../../src/testing/rate-limiter';
import { manualClock } from '../support/https-client';

describe('TokenBucket', () => {
  it('sends full headers and allows everything without a limit', () => {
    const clock = manualClock(1_700_000_000_500);
    const bucket = new TokenBucket(undefined, clock.now);
    for (let i = 0; i < 100; i++) expect(bucket.take().allowed).toBe(true);
    expect(bucket.take()).toEqual({
      allowed: true,
      limit: 50,
      remaining: 50,
      reset: 1_700_000_001,
      retryAfter: 0,
    });
  });

  it('empties at burst, refills at perSecond and reports when it is full again', () => {
    const clock = manualClock(1_700_000_000_000);
    const bucket = new TokenBucket({ burst: 2, perSecond: 4 }, clock.now);
    expect(bucket.peek()).toMatchObject({ remaining: 2, reset: 1_700_000_000 });
    expect(bucket.take()).toMatchObject({ allowed: true, remaining: 1, reset: 1_700_000_001 });
    expect(bucket.take()).toMatchObject({ allowed: true, remaining: 0 });
    expect(bucket.take()).toEqual({
      allowed: false,
      limit: 2,
      remaining: 0,
      reset: 1_700_000_001,
      retryAfter: 1,
    });
    clock.advance(250);
    expect(bucket.take()).toMatchObject({ allowed: true, remaining: 0 });
    clock.advance(10_000);
    expect(bucket.peek()).toMatchObject({ remaining: 2 });
    bucket.configure({ burst: 1, perSecond: 0.1 });
    bucket.take();
    expect(bucket.take()).toMatchObject({ allowed: false, retryAfter: 10 });
  });

  it('never drifts below a whole token after many small refills', () => {
    const clock = manualClock(0);
    const bucket = new TokenBucket({ burst: 1, perSecond: 10 }, clock.now);
    bucket.take();
    for (let i = 0; i < 9; i++) {
      clock.advance(10);
      bucket.peek();
    }
    expect(bucket.take().allowed).toBe(false);
    clock.advance(10);
    expect(bucket.take()).toMatchObject({ allowed: true, remaining: 0 });
  });

  it('rejects impossible limits', () => {
    expect(() => new TokenBucket({ burst: 1.5, perSecond: 1 }, Date.now)).toThrow(ArgumentError);
    expect(() => new TokenBucket({ burst: 1, perSecond: -1 }, Date.now)).toThrow(ArgumentError);
  });
});
