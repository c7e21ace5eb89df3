/**
 * The defaults of {@link playLogStream}'s options, in one place (docs/testing.md quotes them).
 * Auth0 documents only the 3 attempts and `application/json` in its examples; the rest are the
 * player's own choices.
 */
export const LOG_STREAM_DEFAULTS = Object.freeze({
  format: 'JSONLINES',
  contentType: 'application/json',
  /** `JSONOBJECT` always sends 1. */
  logsPerDelivery: 100,
  concurrency: 1,
  duplicateShare: 0,
  dropShare: 0,
  shuffle: false,
  seed: 1,
  attempts: 3,
  retryDelayMs: 1000,
  pauseAfterFailures: Infinity,
  redeliveries: 0,
  redeliveryDelayMs: 60_000,
  timeoutMs: 10_000,
  follow: false,
  pollMs: 1000,
} as const);
