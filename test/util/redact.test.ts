import { inspect } from 'node:util';
import { LogsApiClient } from '../../src/client';
import { REDACTED, Redactor } from '../../src/util/redact';

const SECRET = 'Sec+ret/with=chars&x y"q\\';

describe('Redactor', () => {
  it('masks a secret in every form a request writes it: URL, form, JSON, base64', () => {
    const redactor = new Redactor();
    redactor.add(SECRET);
    const forms = [
      SECRET,
      encodeURIComponent(SECRET),
      encodeURIComponent(SECRET).replace(/%20/g, '+'),
      JSON.stringify(SECRET).slice(1, -1),
      Buffer.from(SECRET).toString('base64'),
      Buffer.from(SECRET).toString('base64url'),
    ];
    const lower = (text: string) => text.replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase());
    forms.push(
      lower(encodeURIComponent(SECRET)),
      encodeURIComponent(encodeURIComponent(SECRET)),
      JSON.stringify(SECRET).slice(1, -1).replace(/&/g, '\\u0026'),
      Buffer.from(SECRET).toString('hex'),
      Buffer.from(SECRET).toString('hex').toUpperCase(),
    );
    for (const form of forms) {
      expect(redactor.redact(`echo: ${form} (end)`)).toBe(`echo: ${REDACTED} (end)`);
    }
    // form encoding of a secret holding a literal % and the characters only URLSearchParams escapes
    const odd = 'ab+c/d=e&f g"h\\i%2Bj<k>\'l;m#n?o!(~)*';
    const other = new Redactor();
    other.add(odd);
    const form = new URLSearchParams({ client_secret: odd }).toString();
    expect(other.redact(form)).toBe(`client_secret=${REDACTED}`);
    // the form a body echoes, whole
    expect(redactor.redact(`client_id=abc&client_secret=${encodeURIComponent(SECRET)}`)).toBe(
      `client_id=abc&client_secret=${REDACTED}`,
    );
  });

  it('masks a Basic credential of user and password, padded or not', () => {
    const redactor = new Redactor();
    redactor.addBasic('echoid', SECRET);
    const basic = Buffer.from(`echoid:${SECRET}`).toString('base64');
    expect(redactor.redact(`auth=Basic ${basic}`)).toBe(`auth=Basic ${REDACTED}`);
    expect(redactor.redact(`auth=${basic.replace(/=+$/, '')};`)).toBe(`auth=${REDACTED};`);
    expect(redactor.redact(SECRET)).toBe(REDACTED);
  });

  it('keeps values under 6 characters, and never shows what it holds', () => {
    const redactor = new Redactor();
    redactor.add('abc');
    redactor.addBasic('user', 'abc');
    expect(redactor.redact('abc dXNlcjphYmM=')).toBe('abc dXNlcjphYmM=');
    redactor.add(SECRET);
    expect(inspect(redactor)).not.toContain('Sec');
    expect(JSON.stringify(redactor)).not.toContain('Sec');
  });
});

describe('LogsApiClient.redact', () => {
  it("masks the client secret's encodings and the Basic credential of client id and secret", () => {
    const client = new LogsApiClient({
      domain: 'tenant.example.com',
      clientId: 'cid',
      clientSecret: SECRET,
    });
    const basic = Buffer.from(`cid:${SECRET}`).toString('base64');
    expect(client.redact(basic)).toBe(REDACTED);
    expect(client.redact(encodeURIComponent(SECRET))).toBe(REDACTED);
  });
});
