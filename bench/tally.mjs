// Counts every delivered log by log_id in constant memory, so the count itself does not make a big
// backlog look heavier: the fake tenant's ids end in the log's index (36 digits), which indexes a
// bitmap. An id of any other shape falls back to a Set (and counts as unexpected).

const FAKE_ID = /^900\d{17}(\d{36})$/;

/** Exactly-once bookkeeping of the logs a handler received. */
export class Tally {
  constructor(expected) {
    this.expected = expected;
    this.seen = new Uint8Array(expected);
    this.others = new Set();
    this.unique = 0;
    this.duplicates = 0;
    this.unexpected = 0;
    this.outOfOrder = 0;
    this.batches = 0;
    this.maxBatch = 0;
    this.highest = -1;
  }

  /** Records one batch; never keeps a reference to it. */
  add(logs) {
    if (logs.length === 0) return;
    this.batches += 1;
    if (logs.length > this.maxBatch) this.maxBatch = logs.length;
    for (const log of logs) {
      const id = log.log_id ?? log._id;
      const match = typeof id === 'string' ? FAKE_ID.exec(id) : null;
      const index = match ? Number(match[1]) : -1;
      if (index >= 0 && index < this.expected) {
        if (this.seen[index]) {
          this.duplicates += 1;
          continue;
        }
        this.seen[index] = 1;
        this.unique += 1;
        if (index < this.highest) this.outOfOrder += 1;
        else this.highest = index;
      } else if (this.others.has(String(id))) {
        this.duplicates += 1;
      } else {
        this.others.add(String(id));
        this.unexpected += 1;
      }
    }
  }

  get missing() {
    return this.expected - this.unique;
  }

  get done() {
    return this.unique >= this.expected;
  }

  toJSON() {
    return {
      expected: this.expected,
      unique: this.unique,
      duplicates: this.duplicates,
      missing: this.missing,
      unexpected: this.unexpected,
      outOfOrder: this.outOfOrder,
      batches: this.batches,
      maxBatch: this.maxBatch,
    };
  }
}
