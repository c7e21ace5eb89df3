import { ArgumentError } from '../errors';
import { Redactor } from '../util/redact';
import { isPermanentNetworkCode, systemCode } from '../util/system-codes';
import type { LogEvent } from '../types';
import { endpointUrl } from './address';
import { DESTINATION_DEFAULTS } from './defaults';
import { DestinationError, codeOf, isRetryableStatus } from './errors';
import { destinationHandler, logTime } from './handler';
import { gzip } from './gzip';
import {
  flag,
  integer,
  knownKeys,
  libraryName,
  type OptionName,
  plainObject,
  required,
  text,
  timeoutOption,
} from './options';
import { idOf } from './sent';
import { objectGatherer } from './objects';

/** What the S3 destination needs of an S3 client: `send(command)`, as `S3Client` has. */
export interface S3ClientLike {
  send(command: unknown): Promise<unknown>;
}

/** Options of {@link s3}. Credentials come from the AWS SDK's usual chain (environment, profile, role). */
export interface S3Options {
  /** The bucket. */
  bucket: string;
  /** Key prefix, without a trailing slash. @default '' */
  prefix?: string;
  /** The tenant, the first key segment after the prefix (e.g. `acme.eu.auth0.com`). */
  tenant: string;
  /** The region; the SDK's chain (`AWS_REGION`, profile) when absent. */
  region?: string;
  /**
   * An S3-compatible endpoint (MinIO, R2, a test server); the SDK reads `AWS_ENDPOINT_URL_S3` when
   * absent. Plain http only to a loopback host or with `allowInsecureHttp`.
   */
  endpoint?: string;
  /** Path-style addressing (`endpoint/bucket/key`). @default true with `endpoint`, else false */
  forcePathStyle?: boolean | string;
  /** Allows a plain http `endpoint` that is not a loopback address. @default false */
  allowInsecureHttp?: boolean | string;
  /**
   * Timeout of each upload attempt in milliseconds (connecting, then waiting for the answer).
   * @default 30000
   */
  timeoutMs?: number | string;
  /** Attempts of each upload inside the SDK (its own retries). @default 3 */
  maxAttempts?: number | string;
  /** An `S3Client` to upload with; the destination then loads only the command classes. */
  client?: S3ClientLike;
  /**
   * Logs an object holds at most, 1 to 1,000,000. @default 100000 (`DESTINATION_DEFAULTS.s3`)
   */
  objectMaxLogs?: number | string;
  /**
   * NDJSON bytes (before gzip) an object holds at most, 1 KiB to 1 GiB; held in memory until the
   * object is stored. A single batch bigger than this is one object. @default 67108864 (64 MiB)
   */
  objectMaxBytes?: number | string;
  /**
   * Seconds from an object's first batch until it is stored, 0 (an object per batch) to 86,400.
   * Checked as batches come and when a run ends. @default 300
   */
  objectMaxSeconds?: number | string;
  /** The clock `objectMaxSeconds` is measured with, epoch ms. @default Date.now */
  now?: () => number;
}

/** The part of `@aws-sdk/client-s3` this destination uses (typed here: the SDK is optional). */
export interface S3Sdk {
  S3Client: new (config: Record<string, unknown>) => S3ClientLike & { destroy(): void };
  PutObjectCommand: new (input: Record<string, unknown>) => unknown;
}

/** How the SDK is loaded (tests replace it). */
export interface S3Dependencies {
  load(): Promise<S3Sdk>;
}

const KEYS = [
  'bucket',
  'prefix',
  'tenant',
  'region',
  'endpoint',
  'forcePathStyle',
  'allowInsecureHttp',
  'maxAttempts',
  'timeoutMs',
  'client',
  'objectMaxLogs',
  'objectMaxBytes',
  'objectMaxSeconds',
  'now',
];

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

const loadSdk: S3Dependencies = {
  load: () => import('@aws-sdk/client-s3') as Promise<unknown> as Promise<S3Sdk>,
};

/**
 * Ships logs as gzip NDJSON objects, keyed
 * `<prefix>/<tenant>/<yyyy>/<mm>/<dd>/<first log_id>-<last log_id>.ndjson.gz` (the date of the first
 * log, UTC). A processor gathers its batches into objects of up to `objectMaxLogs` logs,
 * `objectMaxBytes` bytes and `objectMaxSeconds` seconds (the handler is a `GatheringHandler`), and
 * moves the checkpoint over a batch only once the object holding it is stored: a crash before
 * that reads the batch again into a new object, and nothing is lost. Called directly, each call
 * is one object, stored before it resolves. The handler's `close()` drops what it gathered and did
 * not store (its checkpoint is before it). Needs the optional peer dependency
 * `@aws-sdk/client-s3`, loaded on the first batch. Access denied, no such bucket and bad credentials
 * are permanent errors; throttling, 5xx and network failures are retried.
 * @example
 * const handler = destinations.s3({ bucket: 'audit-logs', prefix: 'auth0', tenant: 'acme.eu.auth0.com' });
 * @throws ArgumentError naming the option, when an option is invalid
 */
export function s3(
  options: S3Options,
  label: OptionName = libraryName('s3'),
  dependencies: S3Dependencies = loadSdk,
) {
  const o = plainObject<S3Options>(options, 's3');
  knownKeys(o, KEYS, label, 's3');
  const bucket = required('bucket', o.bucket, label);
  if (!BUCKET.test(bucket)) {
    throw new ArgumentError(
      `Expected \`${label('bucket')}\` to be an S3 bucket name (3-63 lowercase letters, digits, dots, hyphens), got ${JSON.stringify(bucket)}`,
      'bucket',
    );
  }
  const prefix = (text('prefix', o.prefix, label, '') as string).replace(/^\/+|\/+$/g, '');
  const tenant = required(
    'tenant',
    o.tenant,
    label,
    'the first key segment, e.g. the tenant domain',
  );
  if (!SEGMENT.test(tenant)) {
    throw new ArgumentError(
      `Expected \`${label('tenant')}\` to be one key segment (letters, digits, dots, hyphens, underscores), got ${JSON.stringify(tenant)}`,
      'tenant',
    );
  }
  const insecure = flag('allowInsecureHttp', o.allowInsecureHttp, label, false);
  const rawEndpoint = text('endpoint', o.endpoint, label);
  const endpoint =
    rawEndpoint === undefined
      ? undefined
      : endpointUrl('endpoint', rawEndpoint, label, insecure, '/').href;
  const region = text('region', o.region, label);
  const forcePathStyle = flag('forcePathStyle', o.forcePathStyle, label, endpoint !== undefined);
  const maxAttempts = integer(
    'maxAttempts',
    o.maxAttempts,
    label,
    DESTINATION_DEFAULTS.s3.maxAttempts,
    1,
    10,
  );
  const timeoutMs = timeoutOption(o.timeoutMs, label);
  if (o.client !== undefined && typeof o.client?.send !== 'function') {
    throw new ArgumentError(`Expected \`${label('client')}\` to be an S3Client`, 'client');
  }
  const limits = DESTINATION_DEFAULTS.s3;
  const bounds = {
    maxLogs: integer('objectMaxLogs', o.objectMaxLogs, label, limits.objectMaxLogs, 1, 1_000_000),
    maxBytes: integer(
      'objectMaxBytes',
      o.objectMaxBytes,
      label,
      limits.objectMaxBytes,
      1024,
      2 ** 30,
    ),
    maxSeconds: integer(
      'objectMaxSeconds',
      o.objectMaxSeconds,
      label,
      limits.objectMaxSeconds,
      0,
      86_400,
    ),
    now: o.now ?? Date.now,
  };
  if (typeof bounds.now !== 'function')
    throw new ArgumentError(
      `Expected \`${label('now')}\` to be a function returning epoch ms`,
      'now',
    );
  const redactor = new Redactor();
  redactor.add(process.env['AWS_SECRET_ACCESS_KEY']);
  redactor.add(process.env['AWS_SESSION_TOKEN']);
  const where = `s3://${bucket}${prefix ? `/${prefix}` : ''}`;

  let ready: Promise<{ client: S3ClientLike; sdk: S3Sdk }> | undefined;
  let own: { destroy(): void } | undefined;
  const connect = () =>
    (ready ??= dependencies.load().then(
      (sdk) => {
        if (o.client) return { client: o.client, sdk };
        const client = withoutNodeVersionNotice(
          () =>
            new sdk.S3Client({
              ...(region === undefined ? {} : { region }),
              ...(endpoint === undefined ? {} : { endpoint }),
              // S3-compatible stores often refuse the SDK's newer default checksums.
              ...(endpoint === undefined
                ? {}
                : { requestChecksumCalculation: 'WHEN_REQUIRED' as const }),
              forcePathStyle,
              maxAttempts,
              requestHandler: {
                connectionTimeout: timeoutMs,
                requestTimeout: timeoutMs,
                throwOnRequestTimeout: true,
              },
            }),
        );
        own = client;
        return { client, sdk };
      },
      (error: unknown) => {
        ready = undefined;
        throw new DestinationError(
          's3',
          's3_sdk_missing',
          `s3: the S3 destination needs the package @aws-sdk/client-s3 (npm install @aws-sdk/client-s3): ${redactor.redact(String((error as Error)?.message ?? error))}`,
          { permanent: true },
        );
      },
    ));

  const store = async (logs: LogEvent[], ndjson: string) => {
    const key = objectKey(logs, prefix, tenant);
    const body = await gzip(ndjson);
    const { client, sdk } = await connect();
    try {
      await client.send(
        new sdk.PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: body,
          ContentType: 'application/x-ndjson',
          ContentEncoding: 'gzip',
        }),
      );
    } catch (error) {
      throw s3Error(`s3://${bucket}/${key}`, error, redactor, label);
    }
  };
  const objects = objectGatherer(bounds, store);
  const gather = (logs: LogEvent[]) => {
    // a log without log_id cannot be keyed: refused before it is gathered
    if (logs.length) objectKey(logs, prefix, tenant);
    return objects.gather(logs);
  };
  // called directly (not by a processor), each call is stored before it resolves
  const send = async (logs: LogEvent[]) => {
    const { stored } = await gather(logs);
    await objects.flush('all');
    await stored;
  };
  const handler = destinationHandler(`s3 ${where}`, send, async () => {
    own?.destroy();
  });
  return Object.assign(handler, {
    gather: async (logs: LogEvent[]) => gather(logs),
    flush: objects.flush,
  });
}

/**
 * The object key of a batch: `<prefix>/<tenant>/<yyyy>/<mm>/<dd>/<first>-<last>.ndjson.gz`.
 * @throws DestinationError (permanent) when a log has no `log_id`
 */
export function objectKey(logs: readonly LogEvent[], prefix: string, tenant: string): string {
  const first = logs[0] as LogEvent;
  const last = logs[logs.length - 1] as LogEvent;
  const firstId = idOf(first);
  const lastId = idOf(last);
  if (firstId === undefined || lastId === undefined) {
    throw new DestinationError(
      's3',
      's3_no_log_id',
      's3: a log without `log_id` cannot be keyed; the object key is made of the first and last log_id',
      { permanent: true },
    );
  }
  const day = dayOf(first, firstId);
  return `${prefix ? `${prefix}/` : ''}${tenant}/${day}/${firstId}-${lastId}.ndjson.gz`;
}

/** `yyyy/mm/dd` of the log's `date` (UTC), or of the time inside its `log_id` (`900yyyyMMdd...`). */
function dayOf(log: LogEvent, id: string): string {
  const ms = logTime(log);
  if (ms !== undefined) return new Date(ms).toISOString().slice(0, 10).replace(/-/g, '/');
  const match = /^900(\d{4})(\d{2})(\d{2})/.exec(id);
  if (match) return `${match[1]}/${match[2]}/${match[3]}`;
  return 'undated';
}

const PERMANENT_NAMES = new Set([
  'AccessDenied',
  'AllAccessDisabled',
  'InvalidAccessKeyId',
  'InvalidBucketName',
  'NoSuchBucket',
  'SignatureDoesNotMatch',
  'CredentialsProviderError',
  'InvalidObjectState',
  'AuthorizationHeaderMalformed',
  'PermanentRedirect',
]);

/**
 * The SDK's switch for its Node.js support notice (aws-sdk-js-v3 issue #7983): a 9-line
 * `NodeVersionSupportWarning` on Node 20, which this package supports. Set to `false` to see it.
 */
const NODE_NOTICE_SWITCH = 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED';

/**
 * Runs `make` (the SDK client's constructor, where the SDK emits that notice) with the switch on,
 * unless the user set it; the environment is as it was afterwards. Other warnings are untouched.
 */
function withoutNodeVersionNotice<T>(make: () => T): T {
  if (process.env[NODE_NOTICE_SWITCH] !== undefined) return make();
  process.env[NODE_NOTICE_SWITCH] = 'true';
  try {
    return make();
  } finally {
    delete process.env[NODE_NOTICE_SWITCH];
  }
}

/** What to set when the SDK found no region or no credentials: configuration, never retried. */
function missingSetting(
  reason: string,
  message: string,
  label: OptionName,
): { code: string; advice: string } | undefined {
  // @smithy/config-resolver's error when neither the option nor AWS_REGION nor a profile names one
  if (/^Region is missing/i.test(message))
    return {
      code: 's3_region_missing',
      advice: `no AWS region: set AWS_REGION, or ${label('region')}`,
    };
  if (reason === 'CredentialsProviderError')
    return {
      code: 's3_credentials_missing',
      advice:
        'no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE, or run with an IAM role)',
    };
  return undefined;
}

function s3Error(
  where: string,
  error: unknown,
  redactor: Redactor,
  label: OptionName,
): DestinationError {
  const raw = error as {
    name?: unknown;
    message?: unknown;
    code?: unknown;
    $metadata?: { httpStatusCode?: unknown };
  };
  const name = typeof raw.name === 'string' && raw.name !== 'Error' ? raw.name : undefined;
  const code = typeof raw.code === 'string' ? raw.code : undefined;
  const reason = name ?? code ?? 'UnknownError';
  const status =
    typeof raw.$metadata?.httpStatusCode === 'number' ? raw.$metadata.httpStatusCode : undefined;
  const permanent =
    PERMANENT_NAMES.has(reason) ||
    isPermanentNetworkCode(code) ||
    (status !== undefined && status >= 300 && !isRetryableStatus(status));
  const message = redactor.redact(typeof raw.message === 'string' ? raw.message : String(error));
  const system = systemCode(error);
  const missing = missingSetting(reason, message, label);
  if (missing)
    return new DestinationError(
      's3',
      missing.code,
      `s3: PutObject ${where} failed: ${missing.advice}`,
      {
        permanent: true,
      },
    );
  return new DestinationError(
    's3',
    `s3_${codeOf(reason.replace(/([a-z0-9])([A-Z])/g, '$1_$2'))}`,
    `s3: PutObject ${where} failed${status === undefined ? '' : ` with ${status}`}: ${reason}: ${message.replace(/\s+/g, ' ').slice(0, 200)}`,
    {
      ...(status === undefined ? {} : { status }),
      ...(system === undefined ? {} : { systemCode: system }),
      permanent,
    },
  );
}
