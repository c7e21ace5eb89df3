import { readFileSync } from 'node:fs';
import path from 'node:path';

// Issue 23 item 4: `npm ci` prints no warning of this project's making. npm (11.16 and later) warns
// about every dependency whose install script package.json's `allowScripts` does not cover (and
// npm 12 skips those scripts): each one the lockfile marks `hasInstallScript` is decided here,
// esbuild's postinstall (its binary) allowed.
const root = path.join(__dirname, '..', '..');
const read = (file: string) => JSON.parse(readFileSync(path.join(root, file), 'utf8')) as unknown;

it('allowScripts decides on every dependency with an install script, and allows esbuild', () => {
  const lock = read('package-lock.json') as {
    packages: Record<string, { hasInstallScript?: boolean }>;
  };
  const withScripts = Object.entries(lock.packages)
    .filter(([, entry]) => entry.hasInstallScript)
    .map(([at]) => at.slice(at.lastIndexOf('node_modules/') + 'node_modules/'.length));
  const { allowScripts = {} } = read('package.json') as { allowScripts?: Record<string, boolean> };
  const decided = Object.keys(allowScripts).map((key) => key.replace(/(.)@[^@]*$/, '$1'));
  expect(withScripts.length).toBeGreaterThan(0);
  expect(withScripts.filter((name) => !decided.includes(name))).toEqual([]);
  expect(allowScripts.esbuild).toBe(true);
});
