// The POST destination's options: what a configuration (serve, createDestination) may give it.
import { inspect } from 'node:util';
import { createDestination } from '../../src/destinations/config';
import { isDestinationError } from '../../src/destinations/errors';
import { post } from '../../src/destinations/post';
import { isArgumentError } from '../../src/errors';
import { LIMITS } from '../../src/options/limits';

const SECRET = 'Bearer TOPSECRET-7f3a9c';
const address = 'http://127.0.0.1:1/collect';

function refusal(options: Record<string, unknown>): Error {
  try {
    createDestination({ kind: 'post', address, options });
  } catch (error) {
    expect(isArgumentError(error)).toBe(true);
    return error as Error;
  }
  throw new Error('the options were accepted');
}

describe('the POST destination', () => {
  it.each([
    ['a line break', `${SECRET}\r\nX-Injected: 1`],
    ['a bare line feed', `${SECRET}\nX-Injected: 1`],
    ['a NUL character', `${SECRET}\0`],
    ['another control character', `${SECRET}\x01`],
    ['DEL', `${SECRET}\x7f`],
    ['a character fetch cannot send as a byte', `${SECRET}\u20ac`],
  ])('refuses a header value holding %s, naming the header and never its value', (_, value) => {
    const error = refusal({ headers: { Authorization: value } });
    expect(error.message).toBe(
      'Expected `options.headers` to be header values of visible characters, spaces and tabs (no line break, NUL or other control character), got another character in "Authorization"',
    );
    expect(inspect(error)).not.toContain('TOPSECRET');
    expect(error).toMatchObject({ option: 'headers' });
  });

  it('takes visible characters, spaces, tabs and obs-text', () => {
    expect(() =>
      createDestination({
        kind: 'post',
        address,
        options: { headers: { Authorization: `${SECRET} \t ~\xe9` } },
      }),
    ).not.toThrow();
  });

  it('refuses a header name HTTP does not allow, never quoting it (it may be a value pasted)', () => {
    const error = refusal({ headers: { 'Authorization: Bearer TOPSECRET': 'v' } });
    expect(error.message).toBe(
      "Expected `options.headers` to be an object of header names to strings (a name is letters, digits and !#$%&'*+.^_`|~-), got a name with other characters",
    );
  });

  it('keeps timeoutMs within the longest timer Node keeps (a longer one fired at once)', () => {
    expect(refusal({ timeoutMs: 3_000_000_000 }).message).toBe(
      `Expected \`options.timeoutMs\` to be an integer from 1 to ${LIMITS.timeoutMs.max}, got 3000000000`,
    );
    expect(() =>
      createDestination({ kind: 'post', address, options: { timeoutMs: LIMITS.timeoutMs.max } }),
    ).not.toThrow();
  });

  it("keeps no header value in a failed send's error, even under util.inspect", async () => {
    // built directly, past the options check: fetch itself refuses the value, quoting it
    const handler = post({
      url: new URL('http://127.0.0.1:65535/collect'),
      headers: { Authorization: `${SECRET}\r\nX-Injected: 1` },
    });
    const log = { log_id: `900${'1'.repeat(53)}`, date: '2024-05-01T10:00:00.000Z', type: 's' };
    const error = await handler([log]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isDestinationError(error)).toBe(true);
    expect(inspect(error, { depth: 10 })).not.toContain('TOPSECRET');
    await handler.close();
  });
});
