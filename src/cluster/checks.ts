import { errorMessage } from '../errors';
import type { PostgresStorage } from '../storage/postgres';
import { redisAddress } from './redis';

/** What {@link checkPostgres} uses of a pg pool. */
export interface PostgresQuerier {
  query(text: string, values: unknown[]): Promise<{ rows: Array<Record<string, unknown>> }>;
}

/**
 * Checks the checkpoint table at `url` as the worker uses it: reads one state through `storage`
 * (which creates the table when missing) and asks PostgreSQL whether the user may select, insert
 * and update its rows. Rejects with an `Error` naming `postgres`, its address (never a password)
 * and the cause (`password authentication failed for user "x"`, `permission denied ...`).
 */
export async function checkPostgres(
  url: string,
  pool: PostgresQuerier,
  storage: Pick<PostgresStorage, 'read' | 'table'>,
): Promise<void> {
  const where = `postgres at ${redisAddress(url, 'the postgres URL')}`;
  try {
    await storage.read();
    const { rows } = await pool.query(
      `SELECT has_table_privilege(current_user, $1, 'SELECT') AND has_table_privilege(current_user, $1, 'INSERT') AND has_table_privilege(current_user, $1, 'UPDATE') AS ok`,
      [storage.table],
    );
    if (rows[0]?.['ok'] !== true)
      throw new Error(`the user may not select, insert and update ${storage.table}`);
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause;
    const detail = cause === undefined ? errorMessage(error) : errorMessage(cause);
    throw new Error(`cannot use ${where}: ${detail}: check \`postgres\` in the configuration`, {
      cause: error,
    });
  }
}
