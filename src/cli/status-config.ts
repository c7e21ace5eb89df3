import { loadServeConfig, type ServeConfig } from '../cluster/config';
import { redisAddress } from '../cluster/redis';
import { tenantStateKey } from '../cluster/state-key';
import { errorMessage } from '../errors';
import { PostgresStorage } from '../storage/postgres';
import { RedisStorage } from '../storage/redis';
import type { StoredState } from '../types';
import { Redactor } from '../util/redact';
import { type CliIo, EXIT, UsageError } from './io';
import { describeState, statusReport, type StatusReport } from './state-report';

/** One tenant of `status --config --json`. */
export interface TenantStatusReport extends Omit<StatusReport, 'state'> {
  /** The tenant's `id` in the configuration. */
  id: string;
  /** Where its state is: `redis://host:port/ <key>` or `postgres://host/db <table> <key>` (no password). */
  state: string;
}

/**
 * `status --config serve.json [--tenant id]`: each configured tenant's checkpoint, the date of the
 * newest log shipped, the lag and its recent runs, read from the cluster's Redis or PostgreSQL
 * (where `serve` keeps them). Resolves the exit code: 1 when a state cannot be read or a tenant
 * has none yet, 2 for a bad `--config` or an unknown `--tenant`.
 */
export async function runClusterStatus(
  file: string,
  only: string | undefined,
  limit: number,
  json: boolean,
  io: CliIo,
  now: () => number = Date.now,
): Promise<number> {
  const say = (text: string) => io.stderr.write(`auth0-log-tools status: ${text}\n`);
  let config: ServeConfig;
  try {
    config = loadServeConfig(file, io.env);
    if (only !== undefined && !config.tenants.some((t) => t.id === only))
      throw new UsageError(
        `Expected --tenant to be a tenant id of ${file} (${config.tenants.map((t) => t.id).join(', ')})`,
      );
  } catch (error) {
    say(errorMessage(error));
    return EXIT.usage;
  }
  const redactor = new Redactor();
  for (const tenant of config.tenants) redactor.add(tenant.clientSecret);
  const reports: TenantStatusReport[] = [];
  const texts: string[] = [];
  let code: number = EXIT.ok;
  for (const tenant of config.tenants.filter((t) => only === undefined || t.id === only)) {
    const postgres = config.postgres !== undefined;
    const key = tenantStateKey(config.queue, tenant.id, postgres);
    const storage = postgres
      ? new PostgresStorage({ postgres: config.postgres as string, key })
      : new RedisStorage({ redis: config.redis as string, key });
    const where = postgres
      ? `${redisAddress(config.postgres as string, 'postgres')} ${(storage as PostgresStorage).table} ${key}`
      : `${redisAddress(config.redis as string)} ${key}`;
    let state: StoredState | undefined;
    try {
      state = await storage.read();
    } catch (error) {
      const setting = postgres ? 'postgres' : 'redis';
      say(
        `tenant ${tenant.id}: cannot read its state at ${where}: ${errorMessage(error)}; check \`${setting}\` in the configuration and that it is running`,
      );
      code = EXIT.failed;
      continue;
    } finally {
      await storage.close().catch(() => undefined);
    }
    if (!state) {
      say(`tenant ${tenant.id}: no state at ${where}; serve has not run it yet`);
      code = EXIT.failed;
      continue;
    }
    const token = state.logs_access_token as { token?: unknown } | null | undefined;
    if (typeof token?.token === 'string') redactor.add(token.token);
    const at = now();
    reports.push({ id: tenant.id, ...statusReport(where, state, limit, at), state: where });
    texts.push(`Tenant:       ${tenant.id}\n${describeState(where, state, limit, at)}`);
  }
  io.stdout.write(
    redactor.redact(json ? `${JSON.stringify(reports, null, 2)}\n` : texts.join('\n')),
  );
  return code;
}
