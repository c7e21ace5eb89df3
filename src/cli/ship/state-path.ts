import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tenantDomain } from '../../storage/state';
import type { StoredDestination } from '../../types';

/** The old default state file of `ship` and `status`, relative to the working folder. */
export const DEFAULT_STATE_FILE = '.auth0-log-tools/state.json';

/**
 * The absolute path of a state left at the old default ({@link DEFAULT_STATE_FILE} in `cwd`) when
 * one is there: `ship` and `status` use it before the per-user state folder.
 */
export function oldDefaultState(cwd: string = process.cwd()): string | undefined {
  const old = path.resolve(cwd, DEFAULT_STATE_FILE);
  return existsSync(old) ? old : undefined;
}

/** The folder of this tool inside the per-user state folder. */
const TOOL_FOLDER = 'auth0-log-tools';

/** Where `ship` keeps its state without `--state` (see {@link defaultStatePath}). */
export interface DefaultState {
  /** Absolute path of the state file. */
  path: string;
  /** Set when the old default (`.auth0-log-tools/state.json` in the working folder) was used. */
  note?: string;
}

/**
 * The per-user state folder of this tool, the same from whatever folder a run is started:
 * `$XDG_STATE_HOME/auth0-log-tools`, else `~/.local/state/auth0-log-tools` (Linux and other
 * Unixes, the XDG Base Directory spec); `~/Library/Application Support/auth0-log-tools/state`
 * (macOS); `%LOCALAPPDATA%\auth0-log-tools\state` (Windows). `XDG_STATE_HOME` is honoured on
 * every platform when set to an absolute path.
 */
export function stateFolder(
  env: Record<string, string | undefined>,
  platform: NodeJS.Platform = process.platform,
  home: string = env.HOME || os.homedir(),
): string {
  const xdg = env.XDG_STATE_HOME;
  if (xdg && path.isAbsolute(xdg)) return path.join(xdg, TOOL_FOLDER);
  if (platform === 'darwin')
    return path.join(home, 'Library', 'Application Support', TOOL_FOLDER, 'state');
  if (platform === 'win32') {
    const local = env.LOCALAPPDATA || path.join(home, 'AppData', 'Local');
    return path.join(local, TOOL_FOLDER, 'state');
  }
  return path.join(home, '.local', 'state', TOOL_FOLDER);
}

/**
 * The state file of one tenant and destination in {@link stateFolder}:
 * `<domain>--<kind>[-<file name or host>]--<8 hex digits>.json`, the digits a SHA-256 of the
 * domain, kind and address (so two destinations with the same readable part differ). The address
 * is the destination's record ({@link StoredDestination}): never a secret.
 *
 * A state file left at the old default, `.auth0-log-tools/state.json` in the working folder, is
 * used when it exists (with a `note` saying where the new default is), so an upgrade resumes
 * where it stopped; move it to `path` to leave the old place.
 */
export function defaultStatePath(
  env: Record<string, string | undefined>,
  domain: string,
  destination: StoredDestination,
  cwd: string = process.cwd(),
): DefaultState {
  const tenant = tenantDomain(domain);
  const digest = createHash('sha256')
    .update(`${tenant}\0${destination.kind}\0${destination.address}`)
    .digest('hex')
    .slice(0, 8);
  const where = readablePart(destination);
  const name = `${slug(tenant)}--${slug(destination.kind)}${where ? `-${slug(where)}` : ''}--${digest}.json`;
  const fresh = path.join(stateFolder(env), name);
  const old = oldDefaultState(cwd);
  if (old === undefined) return { path: fresh };
  return {
    path: old,
    note: `using the state ${old}, left at the old default in the working folder; the default is now ${fresh} (the same from any folder): move the file there, or pass --state`,
  };
}

/** The file name of a file, or the host of a URL, in the destination's address. */
function readablePart(destination: StoredDestination): string {
  if (destination.kind === 'stdout')
    return destination.address === '-' ? '' : path.basename(destination.address);
  if (destination.kind === 'file') return path.basename(destination.address);
  const host = /[a-z][a-z0-9+.-]*:\/\/([^/:?#\s]+)/i.exec(destination.address)?.[1];
  return host ?? destination.address;
}

function slug(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 48);
}
