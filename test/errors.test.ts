import { inspect } from 'node:util';
import type * as errors from '../src/errors';
import {
  ArgumentError,
  Auth0LogToolsError,
  ERROR_BRAND,
  HandlerError,
  InvalidResponseError,
  ManagementApiError,
  TokenRequestError,
  isAbortError,
  isArgumentError,
  isAuth0LogToolsError,
  isHandlerError,
  isInvalidResponseError,
  isManagementApiError,
  isPermanentError,
  isStorageError,
  isTokenRequestError,
} from '../src/errors';

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

describe('error brands', () => {
  // A second copy of the module, as when two copies of the package are loaded in one process.
  function otherCopy(): typeof errors {
    let copy: typeof errors | undefined;
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      copy = require('../src/errors') as typeof errors;
    });
    if (!copy || copy.ArgumentError === ArgumentError) throw new Error('no second copy');
    return copy;
  }

  it('makes instanceof and the guards hold across copies of the package', () => {
    const other = otherCopy();
    const fromOther = new other.TokenRequestError('unauthorized', 'Invalid credentials');
    expect(fromOther).toBeInstanceOf(TokenRequestError);
    expect(fromOther).toBeInstanceOf(ManagementApiError);
    expect(fromOther).toBeInstanceOf(Auth0LogToolsError);
    expect(fromOther).not.toBeInstanceOf(InvalidResponseError);
    expect(fromOther).not.toBeInstanceOf(ArgumentError);
    expect(isTokenRequestError(fromOther)).toBe(true);
    expect(isManagementApiError(fromOther)).toBe(true);
    expect(isAuth0LogToolsError(fromOther)).toBe(true);
    expect(isInvalidResponseError(fromOther)).toBe(false);
    const argument = new other.ArgumentError('Expected `batchSize` to be an integer', 'batchSize');
    expect(argument).toBeInstanceOf(ArgumentError);
    expect(isArgumentError(argument)).toBe(true);
    expect(isManagementApiError(argument)).toBe(false);
    expect(new ArgumentError('x')).toBeInstanceOf(other.ArgumentError);
    expect(new other.HandlerError('x')).toBeInstanceOf(HandlerError);
    expect(isHandlerError(new other.HandlerError('x'))).toBe(true);
    expect(isStorageError(new other.StorageError('storage_failed', 'x'))).toBe(true);
    expect(isAbortError(new other.AbortError())).toBe(true);
  });

  it('does not take a look-alike by its name alone, nor plain errors', () => {
    const lookAlike = Object.assign(new Error('x'), { name: 'ManagementApiError' });
    expect(lookAlike).not.toBeInstanceOf(ManagementApiError);
    expect(isManagementApiError(lookAlike)).toBe(false);
    expect(isArgumentError(null)).toBe(false);
    expect(isArgumentError('ArgumentError')).toBe(false);
    expect({}).not.toBeInstanceOf(Auth0LogToolsError);
  });

  it('keeps a user subclass to the ordinary prototype check', () => {
    class SinkError extends HandlerError {}
    expect(new SinkError('down')).toBeInstanceOf(SinkError);
    expect(new SinkError('down')).toBeInstanceOf(HandlerError);
    expect(new HandlerError('down')).not.toBeInstanceOf(SinkError);
    expect(isHandlerError(new SinkError('down'))).toBe(true);
  });

  it('names token and invalid-response errors ManagementApiError, as the original did', () => {
    const token = new TokenRequestError('unauthorized', 'Invalid credentials', { status: 401 });
    expect(token.name).toBe('ManagementApiError');
    expect(new InvalidResponseError('invalid_response', 'x').name).toBe('ManagementApiError');
    expect(token[ERROR_BRAND]).toEqual([
      'Auth0LogToolsError',
      'ManagementApiError',
      'TokenRequestError',
    ]);
    // The brand stays out of JSON, inspection and enumeration.
    expect(Object.keys(token)).not.toContain(ERROR_BRAND);
    expect(JSON.stringify(token)).not.toContain('TokenRequestError');
    expect(inspect(token)).not.toContain('auth0-log-tools.error');
  });

  it('keeps the failed answer as response.text', () => {
    const error = new ManagementApiError('bad_request', 'Bad Request: bad request', {
      status: 400,
      response: { status: 400, text: 'bad request' },
    });
    expect(error.response?.text).toBe('bad request');
    expect(new ManagementApiError('ECONNREFUSED', 'connect ECONNREFUSED').response).toBeUndefined();
  });
});
