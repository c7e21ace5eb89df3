import { promises as fs } from 'node:fs';
import path from 'node:path';
import { runServe } from '../../src/cli/serve';
import { captureIo, tempDir } from '../support/cli';

// Issue 23 item 6: `serve` names every optional peer dependency it lacks at once, before it starts
// anything, instead of one per attempt. Two of them are made unloadable here, as an install
// without them is (jest.mock's factory throws where require would).
jest.mock('pg', () => {
  throw Object.assign(new Error("Cannot find module 'pg'"), { code: 'MODULE_NOT_FOUND' });
});
jest.mock('prom-client', () => {
  throw Object.assign(new Error("Cannot find module 'prom-client'"), { code: 'MODULE_NOT_FOUND' });
});

it('serve lists every missing optional dependency in one message, and starts nothing', async () => {
  const dir = await tempDir();
  try {
    const file = path.join(dir, 'serve.json');
    await fs.writeFile(
      file,
      JSON.stringify({
        // nothing listens here: a start that got as far as connecting would say so instead
        redis: 'redis://127.0.0.1:1',
        postgres: 'postgres://127.0.0.1:1/logs',
        tenants: [
          {
            id: 'acme',
            domain: 'acme.eu.auth0.com',
            clientId: 'id',
            clientSecret: 'secret',
            post: { url: 'https://siem.example/' },
          },
        ],
      }),
    );
    const { io, stderr } = captureIo();
    expect(await runServe(['--config', file, '--metrics-port', '0'], io)).toBe(1);
    expect(stderr()).toBe(
      'auth0-log-tools serve: cannot start: serve needs the optional peer dependencies pg, prom-client: npm install pg prom-client\n',
    );
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});
