/** Characters V8 quotes on each side of an unexpected token (`..."<10><token><10>"...`). */
const CONTEXT = 10;

/**
 * The offset in `text` where `JSON.parse` failed, from V8's message: `at position N`; the end of
 * the text for one that ends too early; or the quoted context of an unexpected token
 * (`Unexpected token ',', ..."enants": [,]"... is not valid JSON`), found again in `text`.
 */
function failedAt(text: string, message: string): number | undefined {
  const at = /at position (\d+)/.exec(message);
  if (at) return Number(at[1]);
  if (/end of JSON input/i.test(message)) return text.length;
  const quoted = /^Unexpected token '(.)', (\.\.\.)?"([\s\S]*)"(\.\.\.)? is not valid JSON$/.exec(
    message,
  );
  if (!quoted) return undefined;
  const [, token, before, context = '', after] = quoted;
  if (before) {
    const start = text.indexOf(context);
    return start === -1 ? undefined : start + CONTEXT;
  }
  if (after) return context.length - CONTEXT;
  const index = text.indexOf(token as string);
  return index === -1 ? undefined : index;
}

/**
 * Where a `JSON.parse` failure of `text` is, as `line L, column C` (both 1-based), for a message
 * that points at it; `undefined` when V8's message does not say.
 */
export function jsonErrorPlace(text: string, error: unknown): string | undefined {
  const message = error instanceof Error ? error.message : String(error);
  const offset = failedAt(text, message);
  if (offset === undefined) return undefined;
  const before = text.slice(0, offset).split(/\r\n|\r|\n/);
  return `line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`;
}
