import { execFile } from 'node:child_process';
import { existsSync, readdirSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import vm from 'node:vm';
import ts from 'typescript';
import { getLogType, typesAtLevel } from '../src/auth0/log-types';
import { createHmac } from 'node:crypto';
import { LOG_CATEGORIES } from '../src/auth0/log-categories';
import { startFakeTenant } from '../src/testing';
import { logIdTime } from '../src/auth0/log-id';
import type { LogEvent } from '../src/types';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { S3RVER_CREDENTIALS, startS3Peer } from './support/s3-peer';

// The README and the docs/ pages: their code compiles, their links and paths lead somewhere, and
// their library examples run as written, against the built package (npm test builds it).
const root = path.join(__dirname, '..');
const built = existsSync(path.join(root, 'dist', 'index.js'));
const run = promisify(execFile);

/** The pages whose code blocks are checked: the README and every page of docs/. */
const pages = [
  'README.md',
  ...readdirSync(path.join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`),
];
/** The pages whose links are checked: those, and the maps of src/ and test/. */
const linkedPages = [...pages, 'src/README.md', 'test/README.md'].filter((page) =>
  existsSync(path.join(root, page)),
);

const read = (page: string): Promise<string> => fs.readFile(path.join(root, page), 'utf8');

/** The first fenced block of `fence` after the text `after` in `page`. */
async function codeBlock(page: string, after: string, fence: string): Promise<string> {
  const text = await read(page);
  expect(text.indexOf(after)).toBeGreaterThan(-1);
  const start = text.indexOf(`\`\`\`${fence}\n`, text.indexOf(after));
  const body = text.slice(start + fence.length + 4, text.indexOf('\n```', start));
  expect(start).toBeGreaterThan(-1);
  return body;
}

/** Every fenced block of `fence` in the pages, with the page and the line it starts on. */
async function codeBlocks(
  fence: string,
): Promise<Array<{ page: string; line: number; code: string }>> {
  const blocks: Array<{ page: string; line: number; code: string }> = [];
  for (const page of pages) {
    const text = await read(page);
    const pattern = new RegExp(`^\`\`\`${fence}\n([\\s\\S]*?)^\`\`\`$`, 'gm');
    for (const match of text.matchAll(pattern)) {
      const line = text.slice(0, match.index).split('\n').length;
      blocks.push({ page, line, code: match[1] ?? '' });
    }
  }
  return blocks;
}

/** A page's text without its fenced blocks and code spans (where `[a](b)` is code, not a link). */
function prose(text: string): string {
  return text.replace(/^```[\s\S]*?^```$/gm, '').replace(/`[^`\n]*`/g, '');
}

/** GitHub's anchors of a page's headings: lower case, punctuation dropped, spaces as `-`. */
function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  const body = text.replace(/^```[\s\S]*?^```$/gm, '');
  for (const match of body.matchAll(/^#{1,6} (.+)$/gm)) {
    const slug = (match[1] ?? '')
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    result.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return result;
}

describe('README and docs/ code blocks', () => {
  it('every js block compiles as what it is: CommonJS (require) or an ES module (import)', async () => {
    const blocks = await codeBlocks('js');
    expect(blocks.length).toBeGreaterThan(10);
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'readme-blocks-'));
    try {
      const failures: string[] = [];
      for (const { page, line, code } of blocks) {
        // a block with an import is a module (the quick start shows both forms in one)
        const esm = /^\s*(import|export)\s/m.test(code);
        if (!esm) {
          try {
            new vm.Script(code, { filename: `${page}:${line}` });
          } catch (error) {
            failures.push(`${page}:${line} (CommonJS): ${(error as Error).message}`);
          }
          continue;
        }
        const file = path.join(dir, `block-${path.basename(page, '.md')}-${line}.mjs`);
        await fs.writeFile(file, code);
        await run(process.execPath, ['--check', file]).catch((error: { stderr?: string }) =>
          failures.push(`${page}:${line} (ES module): ${error.stderr ?? String(error)}`),
        );
      }
      expect(failures).toEqual([]);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('every ts block is valid TypeScript and every json block valid JSON', async () => {
    const failures: string[] = [];
    const tsBlocks = await codeBlocks('ts');
    expect(tsBlocks.length).toBeGreaterThan(0);
    for (const { page, line, code } of tsBlocks) {
      const { diagnostics = [] } = ts.transpileModule(code, {
        reportDiagnostics: true,
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      });
      for (const d of diagnostics)
        failures.push(`${page}:${line}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    }
    for (const { page, line, code } of await codeBlocks('json')) {
      try {
        JSON.parse(code);
      } catch (error) {
        failures.push(`${page}:${line} (JSON): ${(error as Error).message}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('Diagnostics lists every debug namespace the library writes to', async () => {
    const names = new Set<string>();
    const walk = async (folder: string): Promise<void> => {
      for (const entry of await fs.readdir(folder, { withFileTypes: true })) {
        const file = path.join(folder, entry.name);
        if (entry.isDirectory()) await walk(file);
        else if (entry.name.endsWith('.ts')) {
          const text = await fs.readFile(file, 'utf8');
          for (const m of text.matchAll(/(?:scopedLogger|redactedLogger)\(\s*'([\w-]+)'/g))
            names.add(m[1] as string);
        }
      }
    };
    await walk(path.join(root, 'src'));
    expect([...names].sort()).toEqual(['client', 'pages', 'processor', 'stream']);
    const section = await read('docs/diagnostics.md');
    for (const name of names) expect(section).toContain(`\`auth0-log-tools:${name}\``);
  });
});

describe('README and docs/ links', () => {
  it('every relative link points at a file that exists, and at a heading of it', async () => {
    const failures: string[] = [];
    for (const page of linkedPages) {
      for (const match of prose(await read(page)).matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = match[1] ?? '';
        if (/^[a-z]+:/i.test(target)) continue; // https:, mailto:
        const [file = '', anchor] = target.split('#');
        const resolved = file === '' ? page : path.posix.join(path.posix.dirname(page), file);
        if (!existsSync(path.join(root, resolved))) {
          failures.push(`${page}: ${target} (no file ${resolved})`);
          continue;
        }
        if (anchor !== undefined && !anchors(await read(resolved)).has(anchor))
          failures.push(`${page}: ${target} (no heading #${anchor} in ${resolved})`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('the README links every docs/ page', async () => {
    const readme = await read('README.md');
    for (const page of pages.filter((p) => p.startsWith('docs/')))
      expect(readme).toContain(`](${page})`);
  });

  it('every source path named in a code span exists', async () => {
    const failures: string[] = [];
    for (const page of linkedPages) {
      const text = (await read(page)).replace(/^```[\s\S]*?^```$/gm, '');
      for (const match of text.matchAll(/`((?:src|test|scripts|bench)\/[\w./-]+)`/g)) {
        const named = match[1] ?? '';
        if (!existsSync(path.join(root, named))) failures.push(`${page}: ${named}`);
      }
    }
    expect(failures).toEqual([]);
  });
});

(built ? describe : describe.skip)('README examples', () => {
  // inside the package folder, so that `auth0-log-tools` resolves to this package by its name
  const scratch = path.join(root, 'test', 'support', '.readme');

  beforeAll(() => fs.mkdir(scratch, { recursive: true }));
  afterAll(() => fs.rm(scratch, { recursive: true, force: true }));

  it('the LogsProcessor example (CommonJS) ships a tenant', async () => {
    const tenant = await startFakeTenant({ logs: 1200 });
    try {
      const code = (await codeBlock('README.md', '### Layer 3: `LogsProcessor`', 'js')).replace(
        '/var/lib/auth0-logs/state.json',
        path.join(scratch, 'state.json'),
      );
      const file = path.join(scratch, 'processor.cjs');
      await fs.writeFile(file, code);
      await fs.writeFile(path.join(scratch, 'ca.pem'), tenant.ca);
      const { stdout } = await run(process.execPath, [file], {
        env: {
          PATH: process.env.PATH,
          NODE_EXTRA_CA_CERTS: path.join(scratch, 'ca.pem'),
          AUTH0_DOMAIN: tenant.domain,
          AUTH0_CLIENT_ID: tenant.clientId,
          AUTH0_CLIENT_SECRET: tenant.clientSecret,
        },
      });
      const lines = stdout.trim().split('\n');
      const last = lines.pop();
      // the example's logLevel: 2; a type the catalog does not know is never dropped by the level
      const warnings = new Set(typesAtLevel(2));
      const expected = Array.from({ length: 1200 }, (_, k) => tenant.logAt(k)).filter(
        (log) => warnings.has(log.type) || getLogType(log.type) === undefined,
      ).length;
      expect(expected).toBeGreaterThan(0);
      expect(
        lines.reduce((sum, line) => sum + Number(/^shipping (\d+) logs$/.exec(line)?.[1]), 0),
      ).toBe(expected);
      // stopReason is set by the processor (it reads `undefined` from one that does not set it yet)
      expect(last).toMatch(
        new RegExp(`^stopped \\(\\w+\\) at checkpoint ${tenant.logIdAt(1199)}$`),
      );
    } finally {
      await tenant.close();
    }
  });

  it('the shaping examples (format, pii, categories) ship what docs/shaping.md says', async () => {
    const tenant = await startFakeTenant({ logs: 300 });
    const key = 'readme-pii-key-0123456789abcdef';
    try {
      await fs.writeFile(path.join(scratch, 'ca.pem'), tenant.ca);
      const example = async (heading: string): Promise<string[]> => {
        const file = path.join(scratch, 'shaping.cjs');
        await fs.writeFile(file, await codeBlock('docs/shaping.md', heading, 'js'));
        const { stdout } = await run(process.execPath, [file], {
          cwd: scratch,
          env: {
            PATH: process.env.PATH,
            NODE_EXTRA_CA_CERTS: path.join(scratch, 'ca.pem'),
            AUTH0_DOMAIN: tenant.domain,
            AUTH0_CLIENT_ID: tenant.clientId,
            AUTH0_CLIENT_SECRET: tenant.clientSecret,
            AUTH0_LOG_TOOLS_PII_KEY: key,
          },
        });
        return stdout.trim().split('\n');
      };
      const logs = Array.from({ length: 300 }, (_, k) => tenant.logAt(k));
      const records = await example('## The Log Streams envelope: `format`');
      expect(records.map((line) => JSON.parse(line) as unknown)).toEqual(
        logs.map((log) => ({ log_id: log.log_id, type: log.type })),
      );
      const names = await example('## Personal data: `pii`, `piiMethod`, `piiKey`');
      expect(names).toEqual(
        logs.flatMap((log) =>
          log.user_name ? [createHmac('sha256', key).update(log.user_name).digest('hex')] : [],
        ),
      );
      const covered = new Set(
        ['auth.login.fail', 'auth.signup.fail', 'user.fail', 'management.fail'].flatMap(
          (name) => LOG_CATEGORIES[name] ?? [],
        ),
      );
      const types = await example('## Log Streams categories: `categories`');
      const expected = logs.filter((log) => covered.has(log.type)).map((log) => log.type);
      expect(expected.length).toBeGreaterThan(10);
      expect(types).toEqual(expected);
    } finally {
      await tenant.close();
    }
  });

  it('the date range example (ship --since --until) ships exactly the logs dated in the range', async () => {
    // 8 hours around the example's range, as real days arrive, with a burst of failed logins at
    // each end of the range and a third of the logs written up to 30 s late
    const tenant = await startFakeTenant({
      logs: 400,
      seed: 11,
      startDate: '2026-03-03T08:00:00Z',
      endDate: '2026-03-03T16:00:00Z',
      arrival: 'realistic',
      bursts: [
        { at: '2026-03-03T09:59:45Z', logs: 100, seconds: 30 },
        { at: '2026-03-03T13:59:45Z', logs: 100, seconds: 30 },
      ],
      lateShare: 0.3,
      lateMs: 30_000,
    });
    try {
      const block = await codeBlock('docs/cli.md', '### A date range', 'sh');
      const argv = block.replace(/\\\n/g, ' ').trim().split(/\s+/);
      expect(argv.slice(0, 3)).toEqual(['npx', 'auth0-log-tools', 'ship']);
      const flag = (name: string) => argv[argv.indexOf(name) + 1] as string;
      const [since, until] = [Date.parse(flag('--since')), Date.parse(flag('--until'))];
      await fs.writeFile(path.join(scratch, 'ca.pem'), tenant.ca);
      const stateHome = path.join(scratch, 'range-state');
      await run(process.execPath, [path.join(root, 'dist', 'cli', 'main.js'), ...argv.slice(2)], {
        cwd: scratch,
        env: {
          PATH: process.env.PATH,
          NODE_EXTRA_CA_CERTS: path.join(scratch, 'ca.pem'),
          XDG_STATE_HOME: stateHome,
          AUTH0_DOMAIN: tenant.domain,
          AUTH0_CLIENT_ID: tenant.clientId,
          AUTH0_CLIENT_SECRET: tenant.clientSecret,
        },
      });
      const logs = Array.from({ length: tenant.logCount() }, (_, k) => tenant.logAt(k));
      const inRange = (ms: number) => ms >= since && ms < until;
      const expected = logs
        .filter((log) => inRange(Date.parse(String(log.date))))
        .map((log) => log.log_id);
      expect(expected.length).toBeGreaterThan(100);
      expect(expected.length).toBeLessThan(logs.length - 100);
      // logs written late at both ends: the range's pages hold them, their date decides
      const written = (log: LogEvent) => logIdTime(log.log_id as string) as number;
      const dated = (log: LogEvent) => Date.parse(String(log.date));
      expect(logs.some((log) => dated(log) < since && written(log) >= since)).toBe(true);
      expect(logs.some((log) => dated(log) < until && written(log) >= until)).toBe(true);
      const lines = (await fs.readFile(path.join(scratch, flag('--out')), 'utf8'))
        .trim()
        .split('\n');
      expect(lines.map((line) => (JSON.parse(line) as { log_id: string }).log_id)).toEqual(
        expected,
      );
      // no state: nothing stored
      expect(existsSync(stateHome)).toBe(false);
    } finally {
      await tenant.close();
    }
  });

  it('the several-destinations example ships every log to the file and into one S3 object', async () => {
    const tenant = await startFakeTenant({ logs: 300 });
    const peer = await startS3Peer();
    try {
      const out = path.join(scratch, 'fanout.ndjson');
      const code = (await codeBlock('README.md', '#### Several destinations from one read', 'js'))
        .replace('/var/log/auth0/logs.ndjson', out)
        .replace('s3://audit-logs/auth0', `s3://${peer.bucket}/readme`)
        .replace('/var/lib/auth0-logs/fanout.json', path.join(scratch, 'fanout.json'));
      const file = path.join(scratch, 'fanout.cjs');
      await fs.writeFile(file, code);
      await fs.writeFile(path.join(scratch, 'ca.pem'), tenant.ca);
      const { stdout } = await run(process.execPath, [file], {
        env: {
          PATH: process.env.PATH,
          NODE_EXTRA_CA_CERTS: path.join(scratch, 'ca.pem'),
          AUTH0_DOMAIN: tenant.domain,
          AUTH0_CLIENT_ID: tenant.clientId,
          AUTH0_CLIENT_SECRET: tenant.clientSecret,
          AWS_ENDPOINT_URL_S3: peer.endpoint,
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
          AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
        },
      });
      const all = Array.from({ length: 300 }, (_, k) => tenant.logIdAt(k));
      const lines = (await fs.readFile(out, 'utf8')).trim().split('\n');
      expect(lines.map((line) => (JSON.parse(line) as { log_id: string }).log_id)).toEqual(all);
      expect(stdout.trim().split('\n')).toEqual([
        `300 logs to ${out}`,
        `300 logs to s3 s3://${peer.bucket}/readme`,
      ]);
      const reader = new S3Client({
        endpoint: peer.endpoint,
        forcePathStyle: true,
        region: 'us-east-1',
        credentials: S3RVER_CREDENTIALS,
      });
      const list = await reader.send(
        new ListObjectsV2Command({ Bucket: peer.bucket, Prefix: 'readme/' }),
      );
      reader.destroy();
      // one run, 300 logs: one object (the run ends with everything stored)
      expect((list.Contents ?? []).map((o) => o.Key)).toEqual([
        expect.stringMatching(new RegExp(`/${all[0]}-${all[299]}\\.ndjson\\.gz$`)),
      ]);
    } finally {
      await peer.close();
      await tenant.close();
    }
  });

  it('the testing example (ESM) defines what it uses and runs', async () => {
    const file = path.join(scratch, 'testing.mjs');
    await fs.writeFile(
      file,
      await codeBlock('docs/testing.md', '# Testing your own shipping code', 'js'),
    );
    const { stdout } = await run(process.execPath, [file], { env: { PATH: process.env.PATH } });
    const [counts, same] = stdout.trim().split('\n');
    const [processed, shipped, requests] = (counts ?? '').split(' ').map(Number);
    expect(processed).toBe(5000);
    expect(shipped).toBe(5000);
    expect(requests).toBeGreaterThanOrEqual(50);
    expect(same).toBe('true');
  });

  it('the Log Stream example (ESM) plays a stream to its receiver and runs', async () => {
    const file = path.join(scratch, 'log-stream.mjs');
    await fs.writeFile(
      file,
      await codeBlock('docs/testing.md', '## Playing a Log Stream to your receiver', 'js'),
    );
    const { stdout } = await run(process.execPath, [file], { env: { PATH: process.env.PATH } });
    expect(stdout.trim().split('\n')).toEqual(['500', 'true true']);
  });
});
