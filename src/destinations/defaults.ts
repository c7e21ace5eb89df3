/**
 * Defaults of every destination, in one place so README and code cannot drift. Sizes in bytes,
 * times in milliseconds.
 */
export const DESTINATION_DEFAULTS = Object.freeze({
  timeoutMs: 30_000,
  splunk: Object.freeze({
    /** HEC's event endpoint (Splunk docs, "HTTP Event Collector REST API endpoints"). */
    path: '/services/collector/event',
    source: 'auth0',
    sourcetype: 'auth0',
    /** A request size every HEC takes; a deployment's `max_content_length` (inputs.conf) may allow more. */
    maxRequestBytes: 1_000_000,
  }),
  datadog: Object.freeze({
    site: 'datadoghq.com',
    path: '/api/v2/logs',
    service: 'auth0',
    /** Logs intake v2 limits (Datadog docs, "Send logs"): 1,000 entries, 5 MB uncompressed, 1 MB a log. */
    maxEntries: 1000,
    maxRequestBytes: 5 * 1024 * 1024,
  }),
  elastic: Object.freeze({
    /** A data stream matching Elasticsearch's built-in `logs-*-*` template. */
    index: 'logs-auth0-default',
    /** Well under `http.max_content_length` (100 MB by default). */
    maxRequestBytes: 10 * 1024 * 1024,
  }),
  s3: Object.freeze({
    /** The SDK's own default number of attempts. */
    maxAttempts: 3,
    /**
     * Logs an object holds at most: 1,000 pages of 100, so a crash before an object is stored
     * reads at most that many logs again.
     */
    objectMaxLogs: 100_000,
    /**
     * NDJSON bytes (before gzip) an object holds at most, 64 MiB: what is held in memory per tenant
     * until it is stored; gzipped, objects of a few MB, one PutObject each (no multipart).
     */
    objectMaxBytes: 64 * 1024 * 1024,
    /**
     * Seconds from an object's first batch until it is stored, 300: Amazon Data Firehose's
     * default S3 buffer interval and Vector's `aws_s3` batch timeout. At most 288 objects a day
     * for a tenant that gets a log now and then.
     */
    objectMaxSeconds: 300,
  }),
});
