import { resolveClientOptions } from '../options/client';
import { isArgumentError } from '../errors';
import { Redactor } from '../util/redact';
import { resolveProcessorOptions, type LogsProcessorOptions } from '../options/processor';
import { shipperFailurePolicy } from '../pipeline/promise';
import { fileDeadLetter } from '../destinations/dead-letter';

/**
 * What these functions read of a configured tenant (`TenantConfig` fits): its credentials, the
 * PEM text of its `ca`, and the processor options a configuration may set.
 */
export interface TenantProcessorFields {
  domain: string;
  clientId: string;
  clientSecret: string;
  ca?: string;
  batchSize?: number;
  logTypes?: string[];
  categories?: string[];
  format?: 'raw' | 'stream';
  pii?: string[];
  piiMethod?: 'mask' | 'hash';
  piiKey?: string;
  onBatchFailure?: 'stop' | 'skip';
  deadLetter?: string;
  maxRunTimeSeconds?: number;
}

/**
 * The `LogsProcessor` options of a configured tenant (credentials, `ca`, `batchSize`, `logTypes`,
 * `categories`, `format`, `pii`, `piiMethod` and its key, `deadLetter`, `maxRunTimeSeconds`), with the shipping promise (`shipperFailurePolicy`): a batch is
 * never skipped unless the tenant's `onBatchFailure` is `skip`.
 */
export function tenantProcessorOptions(config: TenantProcessorFields): LogsProcessorOptions {
  const processor: LogsProcessorOptions = {
    domain: config.domain,
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    onBatchFailure: shipperFailurePolicy(config.onBatchFailure),
  };
  if (config.deadLetter !== undefined) processor.deadLetter = fileDeadLetter(config.deadLetter);
  if (config.ca !== undefined) processor.ca = config.ca;
  if (config.batchSize !== undefined) processor.batchSize = config.batchSize;
  if (config.logTypes) processor.logTypes = config.logTypes;
  if (config.categories) processor.categories = config.categories;
  if (config.format !== undefined) processor.format = config.format;
  if (config.pii) processor.pii = config.pii;
  if (config.piiMethod !== undefined) processor.piiMethod = config.piiMethod;
  if (config.piiKey !== undefined) processor.piiKey = config.piiKey;
  if (config.maxRunTimeSeconds !== undefined)
    processor.maxRunTimeSeconds = config.maxRunTimeSeconds;
  return processor;
}

/**
 * Checks a tenant's processor options with the very resolvers `LogsProcessor` and its client use,
 * so a value every run would refuse (`logTypes: ["S"]`, `domain: "bad domain"`) is refused at load.
 * Returns each problem as `{ option, message }` (the client secret never in a message), or none.
 */
export function tenantOptionProblems(
  config: TenantProcessorFields,
): Array<{ option: string; message: string }> {
  const options = tenantProcessorOptions(config);
  const problems: Array<{ option: string; message: string }> = [];
  const redactor = new Redactor();
  redactor.addBasic(config.clientId, config.clientSecret);
  redactor.add(config.piiKey);
  for (const resolve of [resolveClientOptions, resolveProcessorOptions]) {
    try {
      resolve(options);
    } catch (error) {
      if (!isArgumentError(error)) throw error;
      // no resolver quotes the secret (already a non-empty string); masked anyway by the one
      // redactor (which leaves values too short to tell apart from ordinary words)
      problems.push({ option: error.option ?? '', message: redactor.redact(error.message) });
    }
  }
  return problems;
}
