import { type Peer, type PeerAnswer, type PeerRequest, startPeer } from './peer';

/** How the peer answers one item, by `_id`, once. */
export interface ItemRefusal {
  status: number;
  type: string;
  reason: string;
}

/** A strict Elasticsearch `_bulk`: NDJSON pairs of `create` and document, per-item results, 409s. */
export interface ElasticPeer extends Peer {
  /** Stored documents by `<index>/<id>`. */
  readonly docs: Map<string, Record<string, unknown>>;
  /** Items answered so, by id, the next time they come (once each). */
  refuseOnce(id: string, refusal: ItemRefusal): void;
  /** Items answered so every time. */
  refuseAlways(id: string, refusal: ItemRefusal): void;
}

export async function startElasticPeer(authorization: string): Promise<ElasticPeer> {
  const docs = new Map<string, Record<string, unknown>>();
  const once = new Map<string, ItemRefusal>();
  const always = new Map<string, ItemRefusal>();
  let autoId = 0;
  const error = (status: number, type: string, reason: string): PeerAnswer => ({
    status,
    body: { error: { root_cause: [{ type, reason }], type, reason }, status },
  });
  const handle = (request: PeerRequest): PeerAnswer => {
    if (request.method !== 'POST' || !/^\/_bulk(\?|$)/.test(request.path)) {
      return error(405, 'illegal_argument_exception', `no handler for ${request.path}`);
    }
    if (request.headers['authorization'] !== authorization) {
      return error(
        401,
        'security_exception',
        'unable to authenticate user [elastic] for REST request [/_bulk]',
      );
    }
    if (request.headers['content-type'] !== 'application/x-ndjson') {
      return error(406, 'media_type_header_exception', 'Content-Type is not application/x-ndjson');
    }
    const text = request.body.toString('utf8');
    if (!text.endsWith('\n')) {
      return error(
        400,
        'illegal_argument_exception',
        'The bulk request must be terminated by a newline [\\n]',
      );
    }
    const lines = text.slice(0, -1).split('\n');
    if (lines.length % 2)
      return error(400, 'illegal_argument_exception', 'action without a source');
    const items: unknown[] = [];
    for (let i = 0; i < lines.length; i += 2) {
      const action = JSON.parse(lines[i] as string) as Record<string, Record<string, unknown>>;
      const doc = JSON.parse(lines[i + 1] as string) as Record<string, unknown>;
      const keys = Object.keys(action);
      const create = action['create'];
      if (keys.length !== 1 || !create) {
        return error(
          400,
          'illegal_argument_exception',
          `expected a create action, got ${keys.join()}`,
        );
      }
      const index = create['_index'] as string;
      const id = (create['_id'] as string | undefined) ?? `auto-${++autoId}`;
      const result = (status: number, extra: object = {}) => ({
        create: { _index: index, _id: id, status, ...extra },
      });
      const refusal = once.get(id) ?? always.get(id);
      once.delete(id);
      if (refusal) {
        items.push(
          result(refusal.status, { error: { type: refusal.type, reason: refusal.reason } }),
        );
      } else if ('_id' in doc) {
        items.push(
          result(400, {
            error: {
              type: 'document_parsing_exception',
              reason:
                '[1:2] Field [_id] is a metadata field and cannot be added inside a document.',
            },
          }),
        );
      } else if (index.startsWith('logs-') && typeof doc['@timestamp'] !== 'string') {
        items.push(
          result(400, {
            error: {
              type: 'document_parsing_exception',
              reason: 'data stream timestamp field [@timestamp] is missing',
            },
          }),
        );
      } else if (docs.has(`${index}/${id}`)) {
        items.push(
          result(409, {
            error: {
              type: 'version_conflict_engine_exception',
              reason: `[${id}]: version conflict, document already exists (current version [1])`,
            },
          }),
        );
      } else {
        docs.set(`${index}/${id}`, doc);
        items.push(result(201, { result: 'created' }));
      }
    }
    const errors = items.some(
      (item) => (item as { create: { status: number } }).create.status >= 300,
    );
    return { status: 200, body: { took: 1, errors, items } };
  };
  const peer = await startPeer(handle);
  return Object.assign(peer, {
    docs,
    refuseOnce: (id: string, refusal: ItemRefusal) => void once.set(id, refusal),
    refuseAlways: (id: string, refusal: ItemRefusal) => void always.set(id, refusal),
  });
}
