import { HandlerError, errorMessage } from './errors';
import type { LogEvent } from './types';

/**
 * The user's handler: call `callback()` (or `callback(error)`) when the batch is stored, or
 * return a promise. Either way, the batch counts as acknowledged only once it succeeds.
 */
export type LogsHandler = (
  logs: LogEvent[],
  callback: (error?: unknown) => void,
) => void | PromiseLike<unknown>;

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}

function toHandlerError(error: unknown): HandlerError {
  if (error instanceof HandlerError) return error;
  return new HandlerError(`The handler failed: ${errorMessage(error) || 'no reason given'}`, {
    cause: error,
  });
}

/**
 * Calls the handler once and settles when it acknowledges (callback or promise), mapping every
 * failure, a synchronous throw included, to a {@link HandlerError}. A handler that neither takes a
 * callback nor returns a promise is done when it returns.
 */
export function callHandler(handler: LogsHandler, logs: LogEvent[]): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const settle = (error?: unknown) => {
      if (settled) return;
      settled = true;
      if (error === undefined || error === null) resolve();
      else reject(toHandlerError(error));
    };
    try {
      const result = handler(logs, settle);
      if (isThenable(result))
        result.then(
          () => settle(),
          (error: unknown) => settle(error ?? new Error('rejected without a reason')),
        );
      else if (handler.length < 2) settle();
    } catch (error) {
      settle(error ?? new Error('threw without a reason'));
    }
  });
}
