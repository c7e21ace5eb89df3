import { isPermanentError } from '../../src/errors';
import { bulkLines, elastic } from '../../src/destinations/elastic';
import type { LogEvent } from '../../src/types';
import { type ElasticPeer, startElasticPeer } from '../support/elastic-peer';
import { everything, failure, ship } from '../support/ship';
import { useTenant } from '../support/tenant';

const API_KEY = 'VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw==';
const TOTAL = 250;
const tenant = useTenant({ logs: TOTAL, startDate: Date.now() - 3600_000 });
let peer: ElasticPeer;

beforeEach(async () => {
  peer = await startElasticPeer(`ApiKey ${API_KEY}`);
});
afterEach(async () => {
  await peer.close();
});

const allIds = () => Array.from({ length: TOTAL }, (_, i) => tenant().logIdAt(i));
const storedIds = (index = 'logs-auth0-default') =>
  [...peer.docs.keys()].filter((k) => k.startsWith(`${index}/`)).map((k) => k.split('/')[1]);
const logs = (count: number): LogEvent[] =>
  Array.from({ length: count }, (_, i) => {
    const id = `900202611300815420000000000000000000000000000${String(i).padStart(11, '0')}`;
    return { log_id: id, _id: id, date: '2026-11-30T08:15:42.123Z', type: 's' };
  });
const itemsOf = (n: number) => (peer.requests[n]?.body.toString().split('\n').length ?? 1) >> 1;

describe('elastic', () => {
  it('delivers every log once into the data stream: create actions with _id = log_id, @timestamp set', async () => {
    const handler = elastic({ url: peer.url, apiKey: API_KEY });
    const { result } = await ship(tenant(), handler, { batchSize: 100 });
    await handler.close();
    expect(result.status.error).toBeUndefined();
    expect(storedIds()).toEqual(allIds());
    const doc = peer.docs.get(`logs-auth0-default/${tenant().logIdAt(0)}`) as Record<
      string,
      unknown
    >;
    expect(doc['@timestamp']).toBe(doc['date']);
    expect(doc).not.toHaveProperty('_id');
    expect(doc['log_id']).toBe(tenant().logIdAt(0));
    expect(peer.requests[0]?.headers['content-type']).toBe('application/x-ndjson');
  });

  it('stores a batch shipped twice once: items answered 409 count as delivered', async () => {
    const handler = elastic({ url: peer.url, apiKey: API_KEY });
    const batch = logs(30);
    await handler(batch);
    await expect(handler(batch)).resolves.toBeUndefined();
    expect(peer.docs.size).toBe(30);
    expect(peer.requests).toHaveLength(2);
  });

  it('ships a run whose items are refused once without storing any log twice', async () => {
    const handler = elastic({ url: peer.url, apiKey: API_KEY });
    const busy = { status: 429, type: 'es_rejected_execution_exception', reason: 'queue is full' };
    peer.refuseOnce(tenant().logIdAt(3), busy);
    peer.refuseOnce(tenant().logIdAt(150), busy);
    const { result } = await ship(tenant(), handler, { batchSize: 100, maxRetries: 2 });
    expect(result.status.error).toBeUndefined();
    expect(storedIds().sort()).toEqual(allIds());
    // 3 batches and 2 retries of one item each; no 409 was needed.
    expect(peer.requests.map((_, i) => itemsOf(i))).toEqual([100, 1, 100, 1, 50]);
  });

  it('sends a retried batch again only for the items refused, and acknowledges once all are stored', async () => {
    const handler = elastic({ url: peer.url, apiKey: API_KEY });
    const batch = logs(50);
    const refused = batch[7]?.log_id as string;
    peer.refuseOnce(refused, {
      status: 429,
      type: 'es_rejected_execution_exception',
      reason: 'rejected execution of coordinating operation',
    });
    const error = await failure(handler, batch);
    expect(error).toMatchObject({
      code: 'elastic_es_rejected_execution_exception',
      permanent: false,
    });
    expect(error.message).toMatch(
      `stored 49 of the 50 logs sent; 1 refused, first ${refused}: 429`,
    );
    await handler(batch);
    expect(itemsOf(1)).toBe(1);
    expect(peer.requests[1]?.body.toString()).toContain(refused);
    expect(peer.docs.size).toBe(50);
  });

  it('makes a batch permanent only once no retryable item is left, naming the item reason', async () => {
    const handler = elastic({ url: peer.url, apiKey: API_KEY });
    const batch = logs(10);
    peer.refuseOnce(batch[2]?.log_id as string, {
      status: 503,
      type: 'unavailable_shards_exception',
      reason: 'primary shard is not active',
    });
    peer.refuseAlways(batch[5]?.log_id as string, {
      status: 400,
      type: 'document_parsing_exception',
      reason: '[1:30] failed to parse field [details] of type [long]',
    });
    const first = await failure(handler, batch);
    expect(isPermanentError(first)).toBe(false);
    expect(first.message).toMatch(/unavailable_shards_exception/);
    const second = await failure(handler, batch);
    expect(second).toMatchObject({ code: 'elastic_document_parsing_exception', permanent: true });
    expect(second.message).toMatch(
      /stored 1 of the 2 logs sent; 1 refused, .*400 document_parsing_exception: \[1:30\] failed to parse/,
    );
    expect(peer.docs.size).toBe(9);
  });

  it('targets an index, with an ingest pipeline, and authenticates with a username and password', async () => {
    const basic = await startElasticPeer(
      `Basic ${Buffer.from('shipper:pa55-w0rd-!').toString('base64')}`,
    );
    try {
      const handler = elastic({
        url: `${basic.url}/`,
        username: 'shipper',
        password: 'pa55-w0rd-!',
        index: 'auth0-logs',
        pipeline: 'auth0',
      });
      await handler(logs(3));
      expect(basic.requests[0]?.path).toBe('/_bulk?pipeline=auth0');
      expect([...basic.docs.keys()][0]).toMatch(/^auth0-logs\//);
      const wrong = elastic({ url: basic.url, username: 'shipper', password: 'not-the-password' });
      const error = await failure(wrong, logs(1));
      expect(error).toMatchObject({
        code: 'elastic_security_exception',
        status: 401,
        permanent: true,
      });
      expect(error.message).toMatch(/unable to authenticate user/);
      expect(everything(error, wrong)).not.toMatch(
        /not-the-password|c2hpcHBlcjpub3QtdGhlLXBhc3N3b3Jk/,
      );
    } finally {
      await basic.close();
    }
  });

  it('retries a 503 and an answer without one result per item', async () => {
    const handler = elastic({ url: peer.url, apiKey: API_KEY });
    peer.script(
      { status: 503, body: 'no shards' },
      { status: 200, body: { errors: false, items: [] } },
    );
    expect(await failure(handler, logs(2))).toMatchObject({
      code: 'elastic_http_503',
      permanent: false,
    });
    expect(await failure(handler, logs(2))).toMatchObject({
      code: 'elastic_invalid_response',
      permanent: false,
      message: expect.stringContaining('sent 2, got 0'),
    });
  });

  it('stops a run on a wrong API key naming security_exception, the key nowhere', async () => {
    const handler = elastic({ url: peer.url, apiKey: 'd3Jvbmcta2V5LXdyb25nLWtleQ==' });
    const { result, storage, lines } = await ship(tenant(), handler, {
      maxRetries: 0,
      onBatchFailure: 'stop',
    });
    expect(result.status.error).toMatch(/answered 401: security_exception: unable to authenticate/);
    expect(everything(result, storage.writes, lines, handler)).not.toContain(
      'd3Jvbmcta2V5LXdyb25nLWtleQ==',
    );
  });

  it('validates its options', () => {
    expect(() =>
      elastic({ url: peer.url, apiKey: API_KEY, username: 'u', password: 'p4ssword' }),
    ).toThrow(/Give `elastic.apiKey` or `elastic.username`\/`elastic.password`, not both/);
    expect(() => elastic({ url: peer.url, username: 'u' })).toThrow(/`elastic.password` to be set/);
    expect(() => elastic({ url: 'ftp://es.example' })).toThrow(/`elastic.url` to be an https URL/);
    expect(() => elastic({ url: 'https://user:pw@es.example' })).toThrow(
      /must not hold credentials/,
    );
    expect(elastic({ url: 'https://es.example:9200/prefix/' }).destination).toBe(
      'elastic https://es.example:9200/prefix/_bulk (logs-auth0-default)',
    );
  });

  it('keeps a legacy _id that differs from log_id as auth0_id, and lets Elasticsearch pick an id when there is none', () => {
    const [action, doc] = bulkLines({ log_id: 'a', _id: 'b', date: 'd', type: 's' }, 'i').split(
      '\n',
    );
    expect(JSON.parse(action as string)).toEqual({ create: { _index: 'i', _id: 'a' } });
    expect(JSON.parse(doc as string)).toEqual({
      '@timestamp': 'd',
      log_id: 'a',
      auth0_id: 'b',
      date: 'd',
      type: 's',
    });
    expect(bulkLines({ date: 'd', type: 's' }, 'i').split('\n')[0]).toBe(
      '{"create":{"_index":"i"}}',
    );
  });
});
