import { createDestination } from '../../src/destinations/config';
import { isLoopback, endpointUrl } from '../../src/destinations/address';
import { DestinationError, isDestinationError } from '../../src/destinations/errors';
import { libraryName } from '../../src/destinations/options';
import { SentLogs } from '../../src/destinations/sent';
import { splitBySize } from '../../src/destinations/split';
import { splunk } from '../../src/destinations/splunk';
import { callHandler } from '../../src/pipeline/delivery';
import { HandlerError, isPermanentError } from '../../src/errors';
import { FAKE_TENANT_CA, FAKE_TENANT_CERT, FAKE_TENANT_KEY } from '../../src/testing/tls-fixture';
import { startHecPeer } from '../support/hec-peer';
import { failure } from '../support/ship';

describe('isLoopback and endpointUrl', () => {
  it.each([
    ['localhost', true],
    ['api.localhost', true],
    ['127.0.0.1', true],
    ['127.8.9.10', true],
    ['[::1]', true],
    ['::1', true],
    ['10.0.0.1', false],
    ['128.0.0.1', false],
    ['[::2]', false],
    ['hec.example', false],
    ['localhost.example', false],
  ])('%s is loopback: %s', (host, expected) => {
    expect(isLoopback(host)).toBe(expected);
  });

  it('accepts plain http to [::1], adds the default path only to a bare origin', () => {
    const label = libraryName('x');
    expect(endpointUrl('url', 'http://[::1]:8088', label, false, '/p').href).toBe(
      'http://[::1]:8088/p',
    );
    expect(endpointUrl('url', 'https://h.example/q?x=1', label, false, '/p').href).toBe(
      'https://h.example/q?x=1',
    );
    expect(() => endpointUrl('url', 'not a url', label, false, '/p')).toThrow(
      /`x.url` to be an https URL/,
    );
  });
});

describe('splitBySize', () => {
  it('keeps order, honours entries, bytes, separators and frames, and isolates an oversize entry', () => {
    expect(splitBySize([], { maxEntries: 2, maxBytes: 10 })).toEqual([]);
    expect(splitBySize([1, 1, 1, 1, 1], { maxEntries: 2, maxBytes: 100 })).toEqual([
      [0, 1],
      [2, 3],
      [4],
    ]);
    // [a,b] = 2 + 3 + 1 + 3 = 9 bytes; a third entry would make 13.
    expect(
      splitBySize([3, 3, 3], { maxEntries: 10, maxBytes: 12, separatorBytes: 1, frameBytes: 2 }),
    ).toEqual([[0, 1], [2]]);
    expect(splitBySize([2, 50, 2], { maxEntries: 10, maxBytes: 10 })).toEqual([[0], [1], [2]]);
  });
});

describe('SentLogs', () => {
  const log = (id?: string) => ({
    date: 'd',
    type: 's',
    ...(id === undefined ? {} : { log_id: id }),
  });

  it('remembers stored ids until their batch is acknowledged, bounded by its limit', () => {
    const sent = new SentLogs(2);
    sent.add([log('a'), log('b'), log()]);
    expect(sent.unsent([log('a'), log('b'), log('c'), log()])).toEqual([log('c'), log()]);
    sent.add([log('c')]);
    expect(sent.size).toBe(2);
    expect(sent.unsent([log('a')])).toEqual([log('a')]);
    sent.forget([log('b'), log()]);
    expect(sent.size).toBe(1);
  });
});

describe('DestinationError', () => {
  it('is permanent through the processor wrapping, and serialises what is safe', async () => {
    const error = new DestinationError('splunk', 'splunk_invalid_token', 'splunk: answered 403', {
      permanent: true,
      status: 403,
    });
    expect(Object.getOwnPropertyDescriptor(error, 'permanent')?.value).toBe(true);
    expect(isDestinationError(error)).toBe(true);
    expect(isDestinationError({ ...error, name: 'DestinationError' })).toBe(true);
    expect(isDestinationError(new Error('x'))).toBe(false);
    expect(error.toJSON()).toEqual({
      name: 'DestinationError',
      code: 'splunk_invalid_token',
      message: 'splunk: answered 403',
      status: 403,
      destination: 'splunk',
      permanent: true,
    });
    const wrapped = await callHandler(() => Promise.reject(error), []).catch((e: unknown) => e);
    expect(wrapped).toBeInstanceOf(HandlerError);
    expect(isPermanentError(wrapped)).toBe(true);
  });

  it('treats plain HTTP spoken to a TLS port as permanent (EPROTO)', async () => {
    const peer = await startHecPeer('tok-123456');
    try {
      const handler = splunk({ url: peer.url.replace('http:', 'https:'), token: 'tok-123456' });
      const error = await failure(handler, [{ log_id: 'a', date: 'd', type: 's' }]);
      expect(error).toMatchObject({ permanent: true });
      expect(error.message).toMatch(
        /splunk: POST https:\/\/127\.0\.0\.1:\d+\/services\/collector\/event failed \(E/,
      );
      await handler.close();
      await handler.close();
    } finally {
      await peer.close();
    }
  });
});

describe('TLS', () => {
  it('trusts a private CA given as `ca`, and refuses an untrusted certificate for good', async () => {
    const peer = await startHecPeer('tok-123456', ['main'], {
      key: FAKE_TENANT_KEY,
      cert: FAKE_TENANT_CERT,
    });
    try {
      const trusted = splunk({ url: peer.url, token: 'tok-123456', ca: FAKE_TENANT_CA });
      await trusted([{ log_id: 'a', date: 'd', type: 's' }]);
      expect(peer.events).toHaveLength(1);
      await trusted.close();
      const untrusted = splunk({ url: peer.url, token: 'tok-123456' });
      const error = await failure(untrusted, [{ log_id: 'a', date: 'd', type: 's' }]);
      expect(error).toMatchObject({
        permanent: true,
        code: expect.stringMatching(/CERT|SIGNED|VERIFY/),
      });
      await untrusted.close();
    } finally {
      await peer.close();
    }
  });
});

describe('createDestination (the serve config form)', () => {
  it('names the address and options as a configuration does', () => {
    expect(() =>
      createDestination(
        { kind: 'splunk', address: 'ftp://x' },
        { env: { SPLUNK_HEC_TOKEN: 'tok-123456' } },
      ),
    ).toThrow(/`address` to be an https URL/);
    expect(() =>
      createDestination(
        { kind: 'splunk', address: 'https://h.example', options: { index: 3 } },
        { env: { SPLUNK_HEC_TOKEN: 'tok-123456' } },
      ),
    ).toThrow(/`options.index` to be a non-empty string/);
    expect(() => createDestination({ kind: 'syslog', address: 'x' })).toThrow(
      /Unknown destination kind "syslog"/,
    );
    expect(() => createDestination({ kind: 'splunk', address: ' ' })).toThrow(
      /`address` to name where splunk is/,
    );
    expect(() => createDestination(null as never)).toThrow(/\{ kind, address, options \}/);
    const handler = createDestination(
      { kind: 'splunk', address: 'https://h.example:8088', options: { index: 'auth0' } },
      { env: { SPLUNK_HEC_TOKEN: 'tok-123456' }, ca: '-----BEGIN CERTIFICATE-----' },
    );
    expect(handler.destination).toBe('splunk https://h.example:8088/services/collector/event');
  });
});
