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
  logTypes: '--types',
  logLevel: '--level',
};

/** An `ArgumentError` from the library, reworded to name the flag. */
export function usageMessage(error: Error & { option?: string | undefined }): string {
  const flag = error.option ? FLAGS[error.option] : undefined;
  if (!flag) return error.message;
  const named = error.message.split(`\`${error.option}\``).join(flag);
  return named.includes(flag) ? named : `${flag}: ${error.message}`;
}
