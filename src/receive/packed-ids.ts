/** Digits an Auth0 log id has (`900` + yyyyMMddHHmmss + 39 more; see `auth0/log-id.ts`). */
const ID_DIGITS = 56;
/** Digits the ids of one hour share: `900` + yyyyMMddHH. */
const PREFIX_DIGITS = 13;
const TAIL_DIGITS = ID_DIGITS - PREFIX_DIGITS;
/** Bytes of a packed tail: two digits a byte (43 digits: 22 bytes). */
const TAIL_BYTES = Math.ceil(TAIL_DIGITS / 2);
/** Fewest ids added before they are packed (below, a small set costs less than a merge). */
const MIN_RECENT = 4096;
const DIGITS_ONLY = /^\d+$/;

/**
 * The ids sharing one prefix: the rest of each (its tail) packed two digits a byte in one sorted
 * `Buffer` (22 bytes an id, against about 120 for a string in a `Set`), plus the ids added since
 * the last packing in a small `Set` (at most 1/16 of the packed ones, at least 4,096; whole ids,
 * whose hashes V8 keeps), merged in when it grows past that. Packed digits keep the ids' order, so
 * a lookup is a binary search.
 */
class PackedTails {
  constructor(private readonly prefix: string) {}

  private sorted: Buffer = Buffer.alloc(0);
  private count = 0;
  private recent = new Set<string>();
  /** One tail packed for a lookup (reused). */
  private readonly key = Buffer.alloc(TAIL_BYTES);

  get size(): number {
    return this.count + this.recent.size;
  }

  /** Whether `id` (of this prefix) is held. */
  has(id: string): boolean {
    if (this.recent.has(id)) return true;
    if (this.count === 0) return false;
    pack(id, this.key, 0);
    return this.find(this.key) >= 0;
  }

  /** Adds an id of this prefix not held yet (the caller checks {@link has}). */
  add(id: string): void {
    this.recent.add(id);
    if (this.recent.size >= Math.max(MIN_RECENT, this.count >> 4)) this.merge();
  }

  /**
   * Packs `ids` (of this prefix, sorted, distinct, none held: {@link add} and `LogIdSet.of` see to it) in among
   * the packed ones, in place: from the greatest down, each block of packed entries greater than
   * a new tail moves up at once (a `memmove`). The buffer grows by half when full, so a packing
   * rarely allocates and the garbage stays small.
   */
  load(ids: string[]): void {
    const total = this.count + ids.length;
    if (total * TAIL_BYTES > this.sorted.length) {
      const grown = Buffer.allocUnsafeSlow(Math.ceil(total * 1.5) * TAIL_BYTES);
      this.sorted.copy(grown, 0, 0, this.count * TAIL_BYTES);
      this.sorted = grown;
    }
    let end = this.count; // packed entries below `end` are not moved yet
    for (let j = ids.length - 1; j >= 0; j--) {
      pack(ids[j] as string, this.key, 0);
      const at = -this.find(this.key, 0, end) - 1; // where it goes among the unmoved ones
      // entries at..end go above the j new tails still to place
      this.sorted.copy(this.sorted, (at + j + 1) * TAIL_BYTES, at * TAIL_BYTES, end * TAIL_BYTES);
      pack(ids[j] as string, this.sorted, (at + j) * TAIL_BYTES);
      end = at;
    }
    this.count = total;
  }

  /** The greatest id held, or `undefined`. */
  max(): string | undefined {
    let max = this.count
      ? this.prefix + unpack(this.sorted, (this.count - 1) * TAIL_BYTES)
      : undefined;
    for (const id of this.recent) if (max === undefined || id > max) max = id;
    return max;
  }

  private merge(): void {
    const ids = [...this.recent].sort();
    this.recent = new Set();
    this.load(ids);
  }

  /** `key` against the entry at byte `at` (a loop: cheaper than a native call for 22 bytes). */
  private compareAt(key: Buffer, at: number): number {
    const sorted = this.sorted;
    for (let i = 0; i < TAIL_BYTES; i++) {
      const order = (key[i] as number) - (sorted[at + i] as number);
      if (order !== 0) return order;
    }
    return 0;
  }

  /** The entry of `key` among entries `low` to `high` (excluded), or `-(where it would go) - 1`. */
  private find(key: Buffer, low = 0, high = this.count): number {
    let lo = low;
    let hi = high - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const at = mid * TAIL_BYTES;
      const order = this.compareAt(key, at);
      if (order === 0) return mid;
      if (order > 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return -lo - 1;
  }
}

/** Writes the 43 digits of `id`'s tail into `into` at `at`, two a byte (the last low half 0). */
function pack(id: string, into: Buffer, at: number): void {
  for (let i = 0; i < TAIL_BYTES; i++) {
    const high = id.charCodeAt(PREFIX_DIGITS + 2 * i) - 48;
    const low = 2 * i + 1 < TAIL_DIGITS ? id.charCodeAt(PREFIX_DIGITS + 2 * i + 1) - 48 : 0;
    into[at + i] = (high << 4) | low;
  }
}

function unpack(from: Buffer, at: number): string {
  let tail = '';
  for (let i = 0; i < TAIL_BYTES; i++) {
    const byte = from[at + i] as number;
    tail += String(byte >> 4);
    if (2 * i + 1 < TAIL_DIGITS) tail += String(byte & 15);
  }
  return tail;
}

function isPackable(id: string): boolean {
  return id.length === ID_DIGITS && DIGITS_ONLY.test(id);
}

/**
 * A set of log ids held compactly: Auth0's 56-digit ids grouped by their first 13 digits (`900`
 * and the hour they were written, yyyyMMddHH: one group per hour), the other 43 packed (see
 * {@link PackedTails}): about 22 bytes an id. Any other string (not 56 digits) is held as it is.
 */
export class LogIdSet {
  private readonly groups = new Map<string, PackedTails>();
  private readonly others = new Set<string>();

  /** Ids held. */
  get size(): number {
    let size = this.others.size;
    for (const group of this.groups.values()) size += group.size;
    return size;
  }

  has(id: string): boolean {
    if (!isPackable(id)) return this.others.has(id);
    const group = this.groupOf(id, false);
    return group !== undefined && group.has(id);
  }

  add(id: string): void {
    if (!isPackable(id)) return void this.others.add(id);
    const group = this.groupOf(id, true) as PackedTails;
    if (!group.has(id)) group.add(id);
  }

  /** The last group asked for: ids come in runs of the same hour. */
  private last: { prefix: string; group: PackedTails } | undefined;

  /** The group of `id`'s prefix; with `create`, made when missing. */
  private groupOf(id: string, create: boolean): PackedTails | undefined {
    if (this.last && id.startsWith(this.last.prefix)) return this.last.group;
    const prefix = id.slice(0, PREFIX_DIGITS);
    const group = create ? this.group(prefix) : this.groups.get(prefix);
    if (group) this.last = { prefix, group };
    return group;
  }

  /** A set of `ids` (repeats allowed, any order), packed at once: one sort, one buffer a group. */
  static of(ids: Iterable<string>): LogIdSet {
    const set = new LogIdSet();
    const byPrefix = new Map<string, string[]>();
    for (const id of ids) {
      if (!isPackable(id)) {
        set.others.add(id);
        continue;
      }
      const prefix = id.slice(0, PREFIX_DIGITS);
      const list = byPrefix.get(prefix);
      if (list) list.push(id);
      else byPrefix.set(prefix, [id]);
    }
    for (const [prefix, list] of byPrefix) {
      list.sort();
      set.group(prefix).load(list.filter((id, i) => i === 0 || id !== list[i - 1]));
    }
    return set;
  }

  /** The greatest id held (by string order: for log ids, the newest), or `null`. */
  max(): string | null {
    let max: string | null = null;
    for (const group of this.groups.values()) {
      const id = group.max();
      if (id !== undefined && (max === null || id > max)) max = id;
    }
    for (const id of this.others) if (max === null || id > max) max = id;
    return max;
  }

  private group(prefix: string): PackedTails {
    let group = this.groups.get(prefix);
    if (!group) this.groups.set(prefix, (group = new PackedTails(prefix)));
    return group;
  }
}
