import https from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import type { FakeTenant } from '../../src/testing';

/** One answer of the fake tenant, read whole. */
export interface HttpResult {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json(): any;
}

export interface RequestOptions {
  method?: string;
  body?: string;
  headers?: Record<string, string>;
  agent?: https.Agent | false;
  token?: string;
}

/** A request over real HTTPS that trusts only the tenant's CA. */
export function request(
  tenant: FakeTenant,
  path: string,
  options: RequestOptions = {},
): Promise<HttpResult> {
  const headers = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  return new Promise((resolve, reject) => {
    const req = https.request(
      `${tenant.baseUrl}${path}`,
      {
        method: options.method ?? 'GET',
        ca: tenant.ca,
        headers,
        agent: options.agent ?? new https.Agent({ keepAlive: false, ca: tenant.ca }),
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text,
            json: () => JSON.parse(text),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** The JSON body of a client-credentials request. */
export function tokenBody(tenant: FakeTenant, changes: Record<string, string> = {}): string {
  return JSON.stringify({
    grant_type: 'client_credentials',
    client_id: tenant.clientId,
    client_secret: tenant.clientSecret,
    audience: `https://${tenant.domain}/api/v2/`,
    ...changes,
  });
}

/** Requests an access token and returns it. */
export async function getToken(tenant: FakeTenant, agent?: https.Agent): Promise<string> {
  const res = await request(tenant, '/oauth/token', {
    method: 'POST',
    body: tokenBody(tenant),
    headers: { 'content-type': 'application/json' },
    ...(agent ? { agent } : {}),
  });
  if (res.status !== 200) throw new Error(`token request failed with ${res.status}`);
  return res.json().access_token as string;
}

/** `GET /api/v2/logs` with a query object. */
export function getLogs(
  tenant: FakeTenant,
  token: string,
  query: Record<string, string | number>,
  agent?: https.Agent,
): Promise<HttpResult> {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) search.set(key, String(value));
  return request(tenant, `/api/v2/logs?${search}`, { token, ...(agent ? { agent } : {}) });
}

/** A clock that only moves when told to. */
export function manualClock(start = Date.parse('2024-05-01T12:00:00.000Z')) {
  let now = start;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
}
