// Shared by the option tests: the error a call throws, and a processor's options resolved with
// credentials filled in.
import { ArgumentError } from '../../src/errors';
import { resolveProcessorOptions, type LogsProcessorOptions } from '../../src/options/processor';

const creds = { domain: 'example.auth0.com', clientId: 'id', clientSecret: 'secret' };

/** The processor's options, resolved, with credentials filled in. */
export const processor = (options: Partial<LogsProcessorOptions>) =>
  resolveProcessorOptions({ ...creds, ...options });

/** The `ArgumentError` that `fn` throws; fails the test when it throws nothing or another error. */
export function thrown(fn: () => unknown): ArgumentError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ArgumentError);
    return error as ArgumentError;
  }
  throw new Error('did not throw');
}
