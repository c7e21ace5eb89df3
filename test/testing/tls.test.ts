import https from 'node:https';
import { X509Certificate } from 'node:crypto';
import { startFakeTenant } from '../../src/testing';
import type { FakeTenant } from '../../src/testing';
import { FAKE_TENANT_CA, FAKE_TENANT_CERT } from '../../src/testing/tls-fixture';

function get(url: string, ca?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const agent = new https.Agent({ keepAlive: false, ...(ca ? { ca } : {}) });
    https
      .get(url, { agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      })
      .on('error', reject);
  });
}

describe('TLS fixture', () => {
  let tenant: FakeTenant;
  beforeAll(async () => {
    tenant = await startFakeTenant({ logs: 1 });
  });
  afterAll(() => tenant.close());

  it('is a CA-signed certificate for 127.0.0.1, ::1 and localhost, valid for decades', () => {
    const ca = new X509Certificate(FAKE_TENANT_CA);
    const cert = new X509Certificate(FAKE_TENANT_CERT);
    expect(ca.subject).toBe('CN=auth0-log-tools fake tenant CA');
    expect(cert.checkIssued(ca)).toBe(true);
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(cert.subjectAltName).toContain('DNS:localhost');
    expect(cert.checkIP('::1')).toBe('::1');
    expect(Date.parse(cert.validTo)).toBeGreaterThan(Date.parse('2100-01-01'));
    expect(cert.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(tenant.ca).toBe(FAKE_TENANT_CA);
  });

  it('is trusted through the CA alone, by IP and by name', async () => {
    await expect(get(`https://127.0.0.1:${tenant.port}/`, tenant.ca)).resolves.toBe(404);
    await expect(get(`https://localhost:${tenant.port}/`, tenant.ca)).resolves.toBe(404);
  });

  it('is refused by a client that does not trust the CA', async () => {
    await expect(get(`https://127.0.0.1:${tenant.port}/`)).rejects.toThrow(/certificate/);
  });
});
