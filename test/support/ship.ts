import { inspect } from 'node:util';
import type { LogsHandler } from '../../src/types';
import { LogsProcessor } from '../../src/processor';
import type { LogsProcessorOptions } from '../../src/options/processor';
import type { FakeTenant } from '../../src/testing';
import { credentials, memoryStorage } from './tenant';

/**
 * Runs a real processor against the fake tenant into `handler`, capturing every output; `storage`
 * is a fresh in-memory one unless given (to run again from where a run stopped).
 */
export async function ship(
  tenant: FakeTenant,
  handler: LogsHandler,
  options: Partial<LogsProcessorOptions> = {},
  storage = memoryStorage(),
) {
  const lines: string[] = [];
  const record =
    (level: string) =>
    (...args: unknown[]) =>
      lines.push(`${level} ${args.map((a) => (typeof a === 'string' ? a : inspect(a))).join(' ')}`);
  const result = await new LogsProcessor(storage, {
    ...credentials(tenant),
    sleep: async () => undefined,
    random: () => 0,
    logger: { debug: record('debug'), info: record('info'), error: record('error') },
    ...options,
  }).run(handler);
  return { result, storage, lines };
}

/** Everything a run or a failure could show a user or store, as one text to search for secrets. */
export function everything(...values: unknown[]): string {
  return values
    .map((value) => {
      let json = '';
      try {
        json = JSON.stringify(value) ?? '';
      } catch {
        json = '';
      }
      return `${inspect(value, { depth: 8, showHidden: true, getters: true })}\n${json}\n${String(value)}`;
    })
    .join('\n');
}

/** Calls a handler once and resolves the error it rejects with (fails when it resolves). */
export async function failure(handler: LogsHandler, logs: Parameters<LogsHandler>[0]) {
  try {
    await handler(logs, () => undefined);
  } catch (error) {
    return error as Error & { permanent?: boolean; code?: string; status?: number };
  }
  throw new Error('the handler resolved');
}
