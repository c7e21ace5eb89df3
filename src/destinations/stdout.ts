import { errorMessage } from '../errors';
import type { LogEvent } from '../types';
import { systemCode } from '../util/system-codes';
import { DestinationError } from './errors';
import { type DestinationHandler, destinationHandler, ndjson } from './handler';

/** The part of a writable stream the stdout destination uses (`process.stdout`, a test's capture). */
export interface TextOutput {
  write(chunk: string, callback?: (error?: Error | null) => void): boolean;
}

/** Options of {@link stdout}. */
export interface StdoutOptions {
  /** Where the NDJSON goes. @default process.stdout */
  stream?: TextOutput;
  /** Called once when the reader closed the stream (`ship | head`): the CLI stops its run there. */
  onClosed?: () => void;
}

/** Codes of a write to a stream whose reader went away. */
const CLOSED_CODES = new Set(['EPIPE', 'ERR_STREAM_DESTROYED', 'ERR_STREAM_WRITE_AFTER_END']);

/** The message of a batch refused because the reader closed stdout. */
const CLOSED_MESSAGE = 'stdout was closed by its reader';

/**
 * NDJSON on a stream (stdout); a batch is acknowledged once the stream has taken its lines. The
 * handler's `destination` is `stdout`. When the reader closed the stream (EPIPE), this batch and
 * every later one reject with a permanent {@link DestinationError} of code `EPIPE`, and `onClosed`
 * is called once. Another write error rejects with a {@link DestinationError} holding the stream's
 * message, not permanent.
 */
export function stdout(options: StdoutOptions = {}): DestinationHandler {
  const stream = options.stream ?? process.stdout;
  let closed = false;
  const closedError = () =>
    new DestinationError('stdout', 'EPIPE', CLOSED_MESSAGE, {
      permanent: true,
      systemCode: 'EPIPE',
    });
  const send = async (logs: LogEvent[]) => {
    if (closed) throw closedError();
    try {
      await write(stream, ndjson(logs));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException | null)?.code;
      if (!CLOSED_CODES.has(code ?? '')) {
        const system = systemCode(error);
        throw new DestinationError('stdout', system ?? 'stdout_write_failed', errorMessage(error), {
          cause: error,
          permanent: false,
          ...(system === undefined ? {} : { systemCode: system }),
        });
      }
      closed = true;
      options.onClosed?.();
      throw closedError();
    }
  };
  return destinationHandler('stdout', send, () => Promise.resolve());
}

function write(stream: TextOutput, chunk: string): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(chunk, (error) => (error ? reject(error) : resolve()));
  });
}
