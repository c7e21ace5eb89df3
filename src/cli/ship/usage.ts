/** Processor option → the flag that sets it, for usage messages. */
const FLAGS: Record<string, string> = {
  domain: '--domain',
  clientId: '--client-id',
  clientSecret: '--client-secret',
  ca: '--ca-file',
  batchSize: '--batch-size',
  maxRetries: '--max-retries',
  backfillCursors: '--backfill-cursors',
  maxRunTimeSeconds: '--max-run-time',
  startFrom: '--start-from',
  until: '--until',
  logTypes: '--types',
  logLevel: '--level',
  categories: '--categories',
  format: '--format',
  pii: '--pii',
  piiMethod: '--pii-method',
};

/**
 * An `ArgumentError` from the library, reworded to name the flag. With `given` (the flag's value as
 * the command line gave it) and the error's `expected`, the message is the CLI's own: ``Expected
 * --batch-size to be an integer from 1 to 1000, got '0'``.
 */
export function usageMessage(
  error: Error & {
    option?: string | undefined;
    expected?: string | undefined;
    hint?: string | undefined;
  },
  given?: string,
): string {
  const flag = error.option ? FLAGS[error.option] : undefined;
  if (!flag) return error.message;
  if (given !== undefined && error.expected !== undefined)
    return `Expected ${flag} to be ${error.expected}, got '${given}'${error.hint ? `; ${error.hint}` : ''}`;
  const named = error.message.split(`\`${error.option}\``).join(flag);
  return named.includes(flag) ? named : `${flag}: ${error.message}`;
}
