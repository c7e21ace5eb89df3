import { DeliveryError, parseDelivery } from '../../src/receive/parse';
import { streamAuthorizer } from '../../src/receive/authorization';

const id = (n: number) => `9002026011012000${String(n).padStart(40, '0')}`;
const element = (n: number) => ({ log_id: id(n), data: { log_id: id(n), type: 's', date: 'x' } });

function refused(body: string, type?: string): DeliveryError {
  try {
    parseDelivery(body, type);
  } catch (error) {
    if (error instanceof DeliveryError) return error;
    throw error;
  }
  throw new Error('accepted');
}

describe('parseDelivery', () => {
  it('reads the three content formats with either content type', () => {
    const lines = [1, 2, 3].map((n) => JSON.stringify(element(n))).join('\n');
    for (const type of ['application/json', 'application/x-ndjson', undefined]) {
      expect(parseDelivery(lines, type)).toEqual({
        format: 'JSONLINES',
        logs: [1, 2, 3].map((n) => element(n).data),
      });
    }
    expect(parseDelivery(`${lines}\n\n`, 'application/json').logs).toHaveLength(3);
    const array = parseDelivery(JSON.stringify([element(1), element(2)]), 'application/json');
    expect(array).toMatchObject({ format: 'JSONARRAY', logs: [element(1).data, element(2).data] });
    const one = parseDelivery(
      JSON.stringify(element(4), null, 2),
      'application/json; charset=utf-8',
    );
    expect(one).toEqual({ format: 'JSONOBJECT', logs: [element(4).data] });
    const keyed = parseDelivery(
      JSON.stringify({ a: element(5), b: element(6) }),
      'application/json',
    );
    expect(keyed).toEqual({ format: 'JSONOBJECT', logs: [element(5).data, element(6).data] });
  });

  it("gives data without its own log_id the element's", () => {
    const body = JSON.stringify({ log_id: id(7), data: { type: 'f' } });
    expect(parseDelivery(body, 'application/json').logs).toEqual([{ type: 'f', log_id: id(7) }]);
  });

  it('names the malformed element and what is wrong with it', () => {
    const good = JSON.stringify(element(1));
    expect(refused(`${good}\n${good}\n{"log_id": "1`).message).toMatch(
      /^element 3 \(line 3\) is not JSON/,
    );
    expect(refused(JSON.stringify([element(1), 'x'])).message).toBe('element 2 is not an object');
    expect(refused(JSON.stringify([{ log_id: '12', data: {} }])).message).toBe(
      'element 1 has no log_id of 56 digits (got "12")',
    );
    expect(refused(JSON.stringify([{ log_id: id(1) }])).message).toBe(
      `element 1 (log_id ${id(1)}) has no data object`,
    );
    expect(refused(JSON.stringify([{ log_id: id(1), data: { log_id: id(2) } }])).message).toBe(
      `element 1: log_id ${id(1)} differs from its data's "${id(2)}"`,
    );
    expect(refused(JSON.stringify({ x: 1 })).message).toBe("element 'x' is not an object");
    expect(refused('{}').message).toBe('The body is an empty object: no elements');
    expect(refused('42').message).toBe('Expected elements, got a JSON number');
    expect(refused('  \n').message).toBe('The body is empty: expected log stream elements');
    const type = refused(good, 'text/html');
    expect([type.status, type.message]).toEqual([415, expect.stringContaining("got 'text/html'")]);
  });
});

describe('streamAuthorizer', () => {
  it('allows the token only, and everything when none is set', () => {
    const check = streamAuthorizer('Bearer abc');
    expect(check('Bearer abc')).toBe(true);
    expect(check('Bearer abd')).toBe(false);
    expect(check('Bearer abc ')).toBe(false);
    expect(check(undefined)).toBe(false);
    expect(streamAuthorizer(undefined)(undefined)).toBe(true);
  });
});
