#!/usr/bin/env node
// Builds dist/ only when its sources changed since the last build this script made, and says which
// (`npm run demo` runs it: a full build takes tens of seconds, and a second demo needs none).
//
// The sources: src/, package.json, the tsconfig and tsup files; compared by a SHA-256 of their
// paths and contents (not mtimes, which a checkout or a copy changes), kept after each build in
// node_modules/.cache/auth0-log-tools/build.json (outside dist/, which the package publishes).
//
// Usage: node scripts/build-if-changed.mjs [--root <folder>]   (exit code: the build's, or 0)
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const rootFlag = process.argv.indexOf('--root');
const root = path.resolve(rootFlag === -1 ? process.cwd() : process.argv[rootFlag + 1]);
const SOURCES = ['src', 'package.json', 'tsconfig.json', 'tsconfig.cjs.json', 'tsup.config.ts'];
const stampFile = path.join(root, 'node_modules', '.cache', 'auth0-log-tools', 'build.json');
const built = path.join(root, 'dist', 'cli', 'main.js');

/** Every file under `entry` (a file or a folder), relative to the root, sorted. */
function files(entry) {
  const full = path.join(root, entry);
  if (!existsSync(full)) return [];
  try {
    return readdirSync(full, { withFileTypes: true })
      .flatMap((e) => files(path.join(entry, e.name)))
      .sort();
  } catch {
    return [entry]; // a file
  }
}

function digest() {
  const hash = createHash('sha256');
  for (const file of SOURCES.flatMap(files)) {
    hash.update(`${file}\0`);
    hash.update(readFileSync(path.join(root, file)));
    hash.update('\0');
  }
  return hash.digest('hex');
}

function lastBuild() {
  try {
    return JSON.parse(readFileSync(stampFile, 'utf8')).digest;
  } catch {
    return undefined;
  }
}

const now = digest();
const last = lastBuild();
if (last === now && existsSync(built)) {
  console.error('dist/ is up to date with the sources: not building');
  process.exit(0);
}
const why = !existsSync(built)
  ? 'dist/ is missing'
  : last === undefined
    ? 'no record of which sources dist/ was built from'
    : 'the sources changed since the last build';
console.error(`building dist/ (${why}; about a minute)`);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const build = spawnSync(npm, ['run', '-s', 'build', '--', '--silent'], {
  cwd: root,
  stdio: 'inherit',
});
if (build.status !== 0) process.exit(build.status ?? 1);
mkdirSync(path.dirname(stampFile), { recursive: true });
writeFileSync(stampFile, `${JSON.stringify({ digest: now, at: new Date().toISOString() })}\n`);
