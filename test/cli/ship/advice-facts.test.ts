import { StorageError, TokenRequestError } from '../../../src/errors';
import { caughtFacts, failureAdvice, isConfigurationFailure } from '../../../src/cli/ship/advice';
import { errorFacts } from '../../../src/pipeline/run-status';

const CREDENTIALS =
  'check the credentials (--client-id, --client-secret or AUTH0_CLIENT_ID, AUTH0_CLIENT_SECRET)';
const SCOPE = 'grant the application the read:logs scope of the Management API';
const AGAIN = 'run again to resume from the checkpoint';

describe('failureAdvice from typed facts (status.errorCode, errorSource, errorStatus)', () => {
  it.each<[string, Parameters<typeof failureAdvice>[0], string | undefined]>([
    [
      'a token request refused with 401',
      {
        message: 'Invalid credentials',
        permanent: true,
        code: 'unauthorized',
        source: 'token',
        status: 401,
      },
      CREDENTIALS,
    ],
    [
      'a token request refused with 403 (whatever its message says)',
      {
        message: 'Unauthorized',
        permanent: true,
        code: 'access_denied',
        source: 'token',
        status: 403,
      },
      CREDENTIALS,
    ],
    [
      'a 403 for the logs',
      { message: 'Forbidden', permanent: true, code: 'forbidden', source: 'logs', status: 403 },
      SCOPE,
    ],
    [
      "Auth0's insufficient_scope",
      { message: 'x', permanent: true, code: 'insufficient_scope', source: 'logs', status: 403 },
      SCOPE,
    ],
    [
      'a 401 for the logs (a token the API refused again): retrying may fix it',
      {
        message: 'Unauthorized',
        permanent: false,
        code: 'unauthorized',
        source: 'logs',
        status: 401,
      },
      AGAIN,
    ],
    [
      "the tenant's certificate, whatever the message",
      { message: 'x', permanent: true, code: 'CERT_HAS_EXPIRED', source: 'token' },
      "check the tenant's certificate, or trust its CA with --ca-file",
    ],
    [
      'a code the message does not quote counts, a quoted one without the code does not',
      { message: 'ECONNREFUSED', permanent: false, code: 'ENOTFOUND', source: 'logs' },
      'check --domain and the DNS',
    ],
    [
      'a state of another tenant: its message says what to do',
      { message: 'x', permanent: false, code: 'state_other_tenant', source: 'storage' },
      undefined,
    ],
    [
      'a storage write that failed: run again',
      { message: 'x', permanent: false, code: 'storage_write_failed', source: 'storage' },
      AGAIN,
    ],
  ])('%s', (_, facts, advice) => {
    expect(failureAdvice(facts)).toBe(advice);
  });
});

describe('caughtFacts and errorFacts: the typed facts of an error', () => {
  it('a storage lock held by another run: state_locked, from the storage', () => {
    const locked = new StorageError(
      'state_locked',
      'The state file s.json is in use by another run',
    );
    expect(errorFacts(locked)).toEqual({ errorCode: 'state_locked', errorSource: 'storage' });
    expect(caughtFacts(locked)).toEqual({ code: 'state_locked', source: 'storage' });
    expect(
      failureAdvice({ message: locked.message, permanent: false, ...caughtFacts(locked) }),
    ).toBeUndefined();
  });

  it('a corrupt state read through the state store: the refusal in the cause chain', () => {
    const corrupt = new StorageError('storage_corrupt', 'The state file s.json is corrupt: x');
    const read = new StorageError(
      'storage_read_failed',
      `Reading the storage failed: ${corrupt.message}`,
      {
        cause: corrupt,
      },
    );
    expect(caughtFacts(read)).toEqual({ code: 'storage_corrupt', source: 'storage' });
  });

  it('a token error: its code, the token side and the status', () => {
    const error = new TokenRequestError('unauthorized', 'Invalid credentials', { status: 401 });
    expect(errorFacts(error)).toEqual({
      errorCode: 'unauthorized',
      errorSource: 'token',
      errorStatus: 401,
    });
  });

  it('anything else: no code, the other side', () => {
    expect(errorFacts(new Error('boom'))).toEqual({ errorSource: 'other' });
  });
});

describe('isConfigurationFailure: what --follow stops on', () => {
  it.each([
    [{ errorCode: 'unauthorized', errorSource: 'token', errorStatus: 401 }, true],
    [{ errorCode: 'insufficient_scope', errorSource: 'logs', errorStatus: 403 }, true],
    [{ errorCode: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', errorSource: 'logs' }, true],
    [{ errorCode: 'unauthorized', errorSource: 'logs', errorStatus: 401 }, false],
    [{ errorCode: 'ECONNREFUSED', errorSource: 'token' }, false],
    [{ errorCode: 'handler_failed', errorSource: 'handler' }, false],
  ] as const)('%j: %s', (status, expected) => {
    expect(isConfigurationFailure(status)).toBe(expected);
  });
});
