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
  }),
});
