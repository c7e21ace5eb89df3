import http from 'node:http';
import { startReceiver } from '../../src/receive/server';
import { FAKE_TENANT_CA, FAKE_TENANT_CERT, FAKE_TENANT_KEY } from '../../src/testing/tls-fixture';
import { playLogStream } from '../../src/testing';
import type { LogEvent } from '../../src/types';

const log = (n: number) =>
  ({ log_id: `900202601101200${String(n).padStart(41, '0')}`, date: 'x', type: 's' }) as LogEvent;

describe('startReceiver', () => {
  it('serves HTTPS with its own certificate, on its path only', async () => {
    const got: string[] = [];
    const receiver = await startReceiver({
      port: 0,
      path: '/auth0',
      tls: { cert: FAKE_TENANT_CERT, key: FAKE_TENANT_KEY },
      submit: async (logs) => {
        got.push(...logs.map((l) => l.log_id as string));
        return { shipped: logs.length, duplicates: 0, filtered: 0 };
      },
    });
    try {
      const base = `https://localhost:${receiver.port}`;
      const report = await playLogStream([log(1), log(2)], {
        url: `${base}/auth0`,
        ca: FAKE_TENANT_CA,
        format: 'JSONARRAY',
      });
      expect(report.delivered).toEqual([log(1).log_id, log(2).log_id]);
      expect(got).toEqual(report.delivered);
      const other = await playLogStream([log(3)], {
        url: `${base}/other`,
        ca: FAKE_TENANT_CA,
        attempts: 1,
      });
      expect(other.answers).toEqual({ 404: 1 });
    } finally {
      await receiver.close();
    }
  });

  it('answers 405 to a GET of its path, 404 to /metrics without metrics, 413 to a chunked body past the limit', async () => {
    const receiver = await startReceiver({
      port: 0,
      bodyLimit: 1000,
      submit: () => Promise.reject(new Error('not reached')),
    });
    const url = `http://127.0.0.1:${receiver.port}/`;
    try {
      expect((await fetch(url)).status).toBe(405);
      expect((await fetch(`${url}metrics`)).status).toBe(404);
      // no Content-Length: the body is counted as it arrives
      const status = await new Promise<number>((resolve, reject) => {
        const request = http.request(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
        });
        request.on('response', (response) => resolve(response.statusCode ?? 0));
        request.on('error', reject);
        request.write('['.padEnd(600, ' '));
        request.write(''.padEnd(600, ' '));
      });
      expect(status).toBe(413);
    } finally {
      await receiver.close();
      await receiver.close();
    }
  });
});
