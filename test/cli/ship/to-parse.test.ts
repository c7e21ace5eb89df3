import { inspect } from 'node:util';
import { parseTo } from '../../../src/cli/ship/to';
import { tenantSegment } from '../../../src/destinations/config';
import { startDatadogPeer } from '../../support/datadog-peer';
import { startElasticPeer } from '../../support/elastic-peer';
import { startHecPeer } from '../../support/hec-peer';
import { everything, ship } from '../../support/ship';
import { useTenant } from '../../support/tenant';

const TOKEN = 'hec-token-0b6a4c1e-7f52';
const DD_KEY = 'dd-key-5a7e1c9b0d3f2e4a';
const ES_KEY = 'ZXMta2V5LWlkOmVzLWtleS1zZWNyZXQ=';
const tenant = useTenant({ logs: 120, startDate: Date.now() - 3600_000 });

describe('parseTo', () => {
  it('says a secret variable is not set, quoting nothing (not "got an empty string")', () => {
    const message = (values: string[]) => {
      try {
        parseTo(values, [], {});
      } catch (error) {
        return (error as Error).message;
      }
      return 'accepted';
    };
    expect(message(['splunk:https://hec.example:8088'])).toBe(
      'Expected `SPLUNK_HEC_TOKEN` to be set (the HEC token, from SPLUNK_HEC_TOKEN)',
    );
    expect(message(['datadog:datadoghq.eu'])).toBe(
      'Expected `DD_API_KEY` to be set (the API key, from DD_API_KEY)',
    );
  });

  it('is absent without --to, and --to-option alone is an error naming both flags', () => {
    expect(parseTo([], [], {})).toBeUndefined();
    expect(() => parseTo([], ['index=a'], {})).toThrow(
      '`--to-option` needs `--to <kind>:<address>`',
    );
  });

  it.each([
    [
      ['splunk:https://hec.example:8088', 'datadog:datadoghq.eu'],
      [],
      {},
      /`--to` given more than once: parse them with parseToList/,
    ],
    [
      ['kafka:broker:9092'],
      [],
      {},
      /`--to` as <kind>:<address> with a kind of splunk, datadog, elastic, s3/,
    ],
    [['https://hec.example'], [], {}, /`--to` as <kind>:<address>/],
    [['splunk:'], [], {}, /`--to splunk:` needs an address/],
    [['splunk:https://hec.example:8088'], [], {}, /`SPLUNK_HEC_TOKEN` to be set/],
    [
      ['splunk:http://hec.example:8088'],
      [],
      { SPLUNK_HEC_TOKEN: TOKEN },
      /`--to splunk:` is plain http to hec.example/,
    ],
    [
      ['splunk:https://hec.example:8088'],
      ['index'],
      { SPLUNK_HEC_TOKEN: TOKEN },
      /`--to-option` as key=value, got "index"/,
    ],
    [
      ['splunk:https://hec.example:8088'],
      ['index=a', 'index=b'],
      { SPLUNK_HEC_TOKEN: TOKEN },
      /`--to-option index` is given twice/,
    ],
    [
      ['splunk:https://hec.example:8088'],
      ['token=abc'],
      { SPLUNK_HEC_TOKEN: TOKEN },
      /`--to-option token` is not accepted: a secret comes from the environment variable SPLUNK_HEC_TOKEN/,
    ],
    [
      ['splunk:https://hec.example:8088'],
      ['indx=a'],
      { SPLUNK_HEC_TOKEN: TOKEN },
      /Unknown option `--to-option indx` for splunk; expected one of source, sourcetype, index, .* \(did you mean `--to-option index`\?\)$/,
    ],
    [
      ['splunk:https://hec.example:8088'],
      ['timeoutMs=soon'],
      { SPLUNK_HEC_TOKEN: TOKEN },
      /`--to-option timeoutMs` to be an integer/,
    ],
    [['datadog:datadoghq.eu'], [], {}, /`DD_API_KEY` to be set/],
    [['datadog:data dog'], [], { DD_API_KEY: DD_KEY }, /`--to datadog:` to be a Datadog site/],
    [
      ['datadog:datadoghq.eu'],
      ['apiKey=x'],
      { DD_API_KEY: DD_KEY },
      /environment variable DD_API_KEY/,
    ],
    [
      ['elastic:https://es.example:9200'],
      [],
      { ELASTIC_USERNAME: 'u' },
      /`ELASTIC_PASSWORD` to be set/,
    ],
    [
      ['elastic:https://es.example:9200'],
      ['password=x'],
      {},
      /environment variable ELASTIC_PASSWORD/,
    ],
    [['s3:bucket/prefix'], [], {}, /`--to s3:` to be s3:\/\/bucket\/prefix/],
    [['s3://audit'], [], {}, /`--to-option tenant` to be set/],
    [
      ['s3://audit'],
      ['tenant=t', 'endpoint=http://minio.example'],
      {},
      /`--to-option endpoint` is plain http/,
    ],
  ])('rejects --to %j --to-option %j with env %j', (values, options, env, message) => {
    expect(() => parseTo(values, options, env, {})).toThrow(message);
    try {
      parseTo(values, options, env, {});
    } catch (error) {
      expect(everything(error)).not.toMatch(new RegExp(`${TOKEN}|${DD_KEY}`));
    }
  });

  it('builds each kind, reading secrets and AWS settings from the environment', () => {
    expect(parseTo(['datadog:us3.datadoghq.com'], [], { DD_API_KEY: DD_KEY })?.describe).toBe(
      'datadog https://http-intake.logs.us3.datadoghq.com/api/v2/logs',
    );
    expect(
      parseTo(['elastic:https://es.example:9200'], ['index=auth0'], { ELASTIC_API_KEY: ES_KEY })
        ?.describe,
    ).toBe('elastic https://es.example:9200/_bulk (auth0)');
    const s3 = parseTo(
      ['s3://audit/auth0'],
      [],
      { AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9000', AWS_REGION: 'eu-west-1' },
      { tenant: 'acme.eu.auth0.com' },
    );
    expect(s3).toMatchObject({ kind: 's3', describe: 's3 s3://audit/auth0' });
    expect(() =>
      parseTo(['s3://audit'], [], { AWS_ENDPOINT_URL_S3: 'http://minio.example' }, { tenant: 't' }),
    ).toThrow(/plain http to minio.example/);
    expect(parseTo(['S3:s3://audit'], ['tenant=x', 'forcePathStyle=true'], {})?.kind).toBe('s3');
    expect(parseTo(['s3://audit'], [], {}, { tenant: '127.0.0.1:8443' })?.kind).toBe('s3');
    expect(tenantSegment('https://acme.eu.auth0.com/')).toBe('acme.eu.auth0.com');
    expect(tenantSegment('127.0.0.1:8443')).toBe('127.0.0.1_8443');
  });

  it('ships a run with --to splunk, --to datadog and --to elastic, the secrets nowhere', async () => {
    const hec = await startHecPeer(TOKEN);
    const dd = await startDatadogPeer(DD_KEY);
    const es = await startElasticPeer(`ApiKey ${ES_KEY}`);
    try {
      const env = { SPLUNK_HEC_TOKEN: TOKEN, DD_API_KEY: DD_KEY, ELASTIC_API_KEY: ES_KEY };
      for (const to of [`splunk:${hec.url}`, `datadog:${dd.url}`, `elastic:${es.url}`]) {
        const parsed = parseTo([to], ['timeoutMs=5000'], env);
        if (!parsed) throw new Error('no destination');
        const { result, lines } = await ship(tenant(), parsed.handler, { batchSize: 50 });
        await parsed.handler.close();
        expect(result.status).toMatchObject({ logsProcessed: 120 });
        expect(everything(result, lines, parsed, inspect(parsed.handler))).not.toMatch(
          new RegExp(`${TOKEN}|${DD_KEY}|${ES_KEY}`),
        );
      }
      expect(hec.events).toHaveLength(120);
      expect(dd.entries).toHaveLength(120);
      expect(es.docs.size).toBe(120);
    } finally {
      await Promise.all([hec.close(), dd.close(), es.close()]);
    }
  });
});
