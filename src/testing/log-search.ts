import type { LogGenerator } from './log-generator';

/** A `q` the fake tenant cannot parse; answered with 400. */
export class QueryError extends Error {
  override name = 'QueryError';
}

type Node =
  | { op: 'and' | 'or'; items: Node[] }
  | { op: 'not'; item: Node }
  | { op: 'term'; field: string; pattern: RegExp | string }
  | { op: 'range'; field: 'date'; low: number; high: number };

/** A parsed `q`: a predicate over log indexes, and the index range its top-level date terms allow. */
export interface LogQuery {
  matches(index: number): boolean;
  /** Narrowest `[start, end)` of indexes the query can match. */
  bounds(): [number, number];
}

const TOKEN = /\s*(\(|\)|\[|\]|\{|\}|"(?:[^"\\]|\\.)*"|[^\s()[\]{}"]+)/y;

function tokenize(q: string): string[] {
  const tokens: string[] = [];
  let at = 0;
  TOKEN.lastIndex = 0;
  for (let match = TOKEN.exec(q); match; match = TOKEN.exec(q)) {
    tokens.push(match[1] as string);
    at = TOKEN.lastIndex;
  }
  if (q.slice(at).trim()) throw new QueryError(`cannot parse \`${q.slice(at).trim()}\``);
  return tokens;
}

function unquote(value: string): string {
  return value.startsWith('"') ? value.slice(1, -1).replace(/\\(.)/g, '$1') : value;
}

/** `*` and `?` wildcards become a RegExp; anything else matches exactly. */
function pattern(value: string, quoted: boolean): RegExp | string {
  if (quoted || !/[*?]/.test(value)) return value;
  const source = value
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, 's');
}

function parseDate(bound: string, inclusive: boolean, low: boolean): number {
  if (bound === '*') return low ? -Infinity : Infinity;
  const ms = Date.parse(unquote(bound));
  if (Number.isNaN(ms)) throw new QueryError(`invalid date \`${bound}\``);
  if (inclusive) return low ? ms : ms + 1;
  return low ? ms + 1 : ms;
}

class Parser {
  #at = 0;
  constructor(readonly tokens: string[]) {}

  parse(): Node {
    const node = this.#or();
    if (this.#at < this.tokens.length) throw new QueryError(`unexpected \`${this.#peek()}\``);
    return node;
  }

  #peek(): string | undefined {
    return this.tokens[this.#at];
  }

  #next(): string {
    const token = this.tokens[this.#at++];
    if (token === undefined) throw new QueryError('unexpected end of query');
    return token;
  }

  #expect(token: string): void {
    const got = this.#next();
    if (got !== token) throw new QueryError(`expected \`${token}\`, got \`${got}\``);
  }

  #or(): Node {
    const items = [this.#and()];
    while (this.#peek() === 'OR') {
      this.#at++;
      items.push(this.#and());
    }
    return items.length === 1 ? (items[0] as Node) : { op: 'or', items };
  }

  #and(): Node {
    const items = [this.#unary()];
    for (let token = this.#peek(); token !== undefined && token !== ')' && token !== 'OR';) {
      if (token === 'AND') this.#at++;
      items.push(this.#unary());
      token = this.#peek();
    }
    return items.length === 1 ? (items[0] as Node) : { op: 'and', items };
  }

  #unary(): Node {
    const token = this.#next();
    if (token === 'NOT') return { op: 'not', item: this.#unary() };
    if (token === '(') {
      const node = this.#or();
      this.#expect(')');
      return node;
    }
    const colon = token.indexOf(':');
    if (colon <= 0) throw new QueryError(`expected \`field:value\`, got \`${token}\``);
    const field = token.slice(0, colon);
    const rest = token.slice(colon + 1);
    if (rest) return this.#term(field, rest);
    const opening = this.#next();
    if (opening === '(') return this.#group(field);
    if (opening === '[' || opening === '{') return this.#range(field, opening === '[');
    return this.#term(field, opening);
  }

  #term(field: string, value: string): Node {
    return { op: 'term', field, pattern: pattern(unquote(value), value.startsWith('"')) };
  }

  #group(field: string): Node {
    const items = [this.#term(field, this.#next())];
    while (this.#peek() === 'OR') {
      this.#at++;
      items.push(this.#term(field, this.#next()));
    }
    this.#expect(')');
    return items.length === 1 ? (items[0] as Node) : { op: 'or', items };
  }

  #range(field: string, lowInclusive: boolean): Node {
    if (field !== 'date') throw new QueryError(`range queries are supported on \`date\` only`);
    const low = this.#next();
    this.#expect('TO');
    const high = this.#next();
    const closing = this.#next();
    if (closing !== ']' && closing !== '}') throw new QueryError(`expected \`]\` or \`}\``);
    return {
      op: 'range',
      field,
      low: parseDate(low, lowInclusive, true),
      high: parseDate(high, closing === ']', false),
    };
  }
}

function valueOf(generator: LogGenerator, index: number, field: string): string | undefined {
  if (field === 'type') return generator.typeAt(index);
  if (field === 'date') return new Date(generator.dateMsAt(index)).toISOString();
  let value: unknown = generator.at(index);
  for (const key of field.split('.')) {
    value =
      typeof value === 'object' && value !== null
        ? (value as Record<string, unknown>)[key]
        : undefined;
  }
  return value === undefined || value === null ? undefined : String(value);
}

function evaluate(node: Node, generator: LogGenerator, index: number): boolean {
  switch (node.op) {
    case 'and':
      return node.items.every((item) => evaluate(item, generator, index));
    case 'or':
      return node.items.some((item) => evaluate(item, generator, index));
    case 'not':
      return !evaluate(node.item, generator, index);
    case 'range': {
      const ms = generator.dateMsAt(index);
      return ms >= node.low && ms < node.high;
    }
    case 'term': {
      const value = valueOf(generator, index, node.field);
      if (value === undefined) return false;
      return typeof node.pattern === 'string' ? value === node.pattern : node.pattern.test(value);
    }
  }
}

/** Parses a Lucene-like `q` (`type:s OR type:(f OR fp)`, `date:[2024-01-01 TO *]`, `AND`, `NOT`). */
export function parseQuery(q: string, generator: LogGenerator): LogQuery | undefined {
  const tokens = tokenize(q);
  if (tokens.length === 0) return undefined;
  const root = new Parser(tokens).parse();
  const conjuncts = root.op === 'and' ? root.items : [root];
  return {
    matches: (index) => evaluate(root, generator, index),
    bounds() {
      let [start, end] = [generator.first, generator.count];
      for (const node of conjuncts) {
        if (node.op !== 'range') continue;
        // a log's date is at most `maxLateMs` earlier than its id's time, never later
        start = Math.max(start, generator.indexAtOrAfter(node.low));
        end = Math.min(end, generator.indexAtOrAfter(node.high + generator.maxLateMs));
      }
      return [start, Math.max(start, end)];
    },
  };
}

/** Options of {@link searchLogs}. */
export interface SearchOptions {
  ascending: boolean;
  skip: number;
  limit: number;
  /** Count every match (for `include_totals`), not just the page. */
  countTotal: boolean;
}

/**
 * The indexes of one page of matches sorted by `date` as Auth0's search does (ties in `log_id`
 * order), and the total when asked. Walks the logs in id order and stops once no later log can sort
 * before the page's last: a log's date is at most `maxLateMs` earlier than its id's time.
 */
export function searchLogs(
  generator: LogGenerator,
  query: LogQuery | undefined,
  options: SearchOptions,
): { indexes: number[]; total: number } {
  const [start, end] = query ? query.bounds() : [generator.first, generator.count];
  const span = end - start;
  const at = (k: number) => (options.ascending ? start + k : end - 1 - k);
  const want = options.skip + options.limit;
  const slack = generator.maxLateMs;
  const found: { index: number; date: number }[] = [];
  // once `want` logs are found: the date past which no log sorts before the want-th found
  let limit: number | undefined;
  let total = 0;
  let k = 0;
  for (; k < span; k++) {
    const index = at(k);
    if (limit !== undefined) {
      const idMs = generator.idMsAt(index);
      if (options.ascending ? idMs - slack > limit : idMs < limit) break;
    }
    if (query && !query.matches(index)) continue;
    found.push({ index, date: generator.dateMsAt(index) });
    total++;
    if (limit === undefined && found.length === want) limit = pageEdge(found, options.ascending);
  }
  const sign = options.ascending ? 1 : -1;
  found.sort((a, b) => sign * (a.date - b.date || a.index - b.index));
  const indexes = found.slice(options.skip, want).map((entry) => entry.index);
  if (!options.countTotal) return { indexes, total };
  if (!query) return { indexes, total: span };
  for (; k < span; k++) if (query.matches(at(k))) total++;
  return { indexes, total };
}

/** The date of the last log of the page among `found` (all of which it holds). */
function pageEdge(found: { date: number }[], ascending: boolean): number {
  let edge = found[0]?.date ?? 0;
  for (const { date } of found) edge = ascending ? Math.max(edge, date) : Math.min(edge, date);
  return edge;
}
