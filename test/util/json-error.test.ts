import { jsonErrorPlace } from '../../src/util/json-error';

/** Where JSON.parse fails on `text`, as jsonErrorPlace says it. */
function place(text: string): string | undefined {
  try {
    JSON.parse(text);
  } catch (error) {
    return jsonErrorPlace(text, error);
  }
  throw new Error('parsed');
}

describe('jsonErrorPlace: the line and column of a JSON error, whatever V8 says', () => {
  it.each([
    // V8 names the position
    ['{\n  "a": 1\n  "b": 2\n}', 'line 3, column 3'],
    // text that ends too early
    ['{\n  "a": ', 'line 2, column 8'],
    // an unexpected token quoted with context on both sides, at the start, or the whole text
    ['{\n  "redis": "redis://127.0.0.1:6379",\n  "tenants": [,]\n}\n', 'line 3, column 15'],
    ['{"a":,"bbbbbbbbbbbbbbbbbbbbbbbbbbbbb":1}', 'line 1, column 6'],
    ['{"a":,}', 'line 1, column 6'],
  ])('%j: %s', (text, expected) => {
    expect(place(text)).toBe(expected);
  });

  it('says nothing it cannot place', () => {
    expect(jsonErrorPlace('{}', new Error('Something else'))).toBeUndefined();
  });
});
