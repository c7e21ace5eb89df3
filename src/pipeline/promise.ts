/**
 * The shipping promise, in one place: every entry point that ships for an operator (`ship`,
 * `serve`, and any later one) builds its `LogsProcessor` options through {@link shipperFailurePolicy},
 * so a batch the destination did not acknowledge is never given up unless the operator asked for
 * it (`ship --on-batch-failure skip`, serve's tenant key `onBatchFailure: "skip"`). The library's
 * `LogsProcessor` keeps the original's default (`'skip'`, `DEFAULTS.onBatchFailure`) for drop-in
 * users.
 */
export const SHIPPER_DEFAULTS = Object.freeze({
  /** What a shipping entry point does with a batch still failing after its retries: stop the run. */
  onBatchFailure: 'stop' as const,
});

/** The batch-failure choices an operator can make on the command line or in a configuration. */
export type ShipperFailurePolicy = 'stop' | 'skip';

/** The values `--on-batch-failure` and the `onBatchFailure` key accept. */
export const SHIPPER_FAILURE_POLICIES: readonly ShipperFailurePolicy[] = ['stop', 'skip'];

/**
 * The `onBatchFailure` a shipping entry point passes to `LogsProcessor`: `'skip'` only when the
 * operator asked for it, else {@link SHIPPER_DEFAULTS}' `'stop'`.
 */
export function shipperFailurePolicy(asked?: ShipperFailurePolicy): ShipperFailurePolicy {
  return asked === 'skip' ? 'skip' : SHIPPER_DEFAULTS.onBatchFailure;
}
