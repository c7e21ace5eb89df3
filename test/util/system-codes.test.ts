import {
  isCertificateCode,
  isPermanentNetworkCode,
  isPermanentWriteCode,
  systemCode,
} from '../../src/util/system-codes';

describe('the one list of permanent system codes', () => {
  it.each([
    // every code the client, the HTTP sender and `--post` treated as permanent
    'ENOTFOUND',
    'EPROTO',
    'ERR_SSL_WRONG_VERSION_NUMBER',
    'ERR_INVALID_URL',
    'ERR_TLS_CERT_ALTNAME_INVALID',
    'CERT_HAS_EXPIRED',
    'CERT_NOT_YET_VALID',
    'CERT_REVOKED',
    'CERT_SIGNATURE_FAILURE',
    'CERT_UNTRUSTED',
    'CERT_REJECTED',
    'CERT_CHAIN_TOO_LONG',
    'DEPTH_ZERO_SELF_SIGNED_CERT',
    'SELF_SIGNED_CERT_IN_CHAIN',
    'UNABLE_TO_GET_ISSUER_CERT',
    'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
    'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
    'INVALID_CA',
    'HOSTNAME_MISMATCH',
  ])('a network failure %s is permanent', (code) => {
    expect(isPermanentNetworkCode(code)).toBe(true);
  });

  it.each(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EAI_AGAIN', 'EHOSTUNREACH', undefined])(
    'a network failure %s is retried',
    (code) => {
      expect(isPermanentNetworkCode(code)).toBe(false);
    },
  );

  it('sorts write errors: what a retry cannot fix, and what it can (space freed, a device back)', () => {
    for (const code of ['EACCES', 'EPERM', 'EROFS', 'EISDIR', 'ENOENT', 'EINVAL', 'EPIPE'])
      expect(isPermanentWriteCode(code)).toBe(true);
    for (const code of ['ENOSPC', 'EIO', 'EAGAIN', undefined])
      expect(isPermanentWriteCode(code)).toBe(false);
  });

  it('knows a certificate failure, and finds a system code deep in causes', () => {
    expect(isCertificateCode('SELF_SIGNED_CERT_IN_CHAIN')).toBe(true);
    expect(isCertificateCode('ENOTFOUND')).toBe(false);
    const fetchError = new TypeError('fetch failed', {
      cause: new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })]),
    });
    expect(systemCode(fetchError)).toBe('ECONNREFUSED');
    expect(systemCode({ code: 'post_http_500' })).toBeUndefined();
  });
});
