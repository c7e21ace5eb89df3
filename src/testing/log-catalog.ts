/** A small deterministic PRNG (mulberry32): the same seed gives the same sequence in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Hashes a seed and a non-negative integer into a 32-bit PRNG seed (murmur3 finaliser). */
export function mix(seed: number, value: number): number {
  let h = (seed ^ 0x9e3779b9 ^ Math.imul(value >>> 0, 0x85ebca6b)) >>> 0;
  h ^= Math.imul(Math.floor(value / 4294967296), 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

type Kind = 'login' | 'failure' | 'exchange' | 'api' | 'user';

export interface TypeSpec {
  type: string;
  weight: number;
  kind: Kind;
  description: string;
}

/** A realistic mix of event types, weighted like a busy production tenant. */
const TYPES: readonly TypeSpec[] = [
  { type: 's', weight: 250, kind: 'login', description: 'Successful login' },
  { type: 'ssa', weight: 180, kind: 'login', description: 'Successful silent authentication' },
  {
    type: 'seccft',
    weight: 140,
    kind: 'exchange',
    description: 'Client Credentials for Access Token',
  },
  {
    type: 'seacft',
    weight: 90,
    kind: 'exchange',
    description: 'Authorization Code for Access Token',
  },
  { type: 'sapi', weight: 60, kind: 'api', description: 'Update a user' },
  { type: 'fp', weight: 50, kind: 'failure', description: 'Wrong email or password.' },
  { type: 'f', weight: 40, kind: 'failure', description: 'Invalid authorization code' },
  { type: 'slo', weight: 40, kind: 'login', description: 'User successfully logged out' },
  { type: 'fsa', weight: 35, kind: 'failure', description: 'Login required' },
  { type: 'fu', weight: 30, kind: 'failure', description: 'Wrong email or password.' },
  { type: 'gd_send_sms', weight: 15, kind: 'user', description: 'Guardian SMS sent' },
  { type: 'sv', weight: 15, kind: 'user', description: 'Your email was verified.' },
  { type: 'ss', weight: 15, kind: 'user', description: 'Successful signup' },
  {
    type: 'scoa',
    weight: 10,
    kind: 'login',
    description: 'Successful cross-origin authentication',
  },
  { type: 'scp', weight: 10, kind: 'user', description: 'Password changed' },
  { type: 'w', weight: 10, kind: 'api', description: 'Deprecation notice: legacy endpoint used' },
  { type: 'limit_wc', weight: 5, kind: 'failure', description: 'Too many failed attempts' },
  { type: 'du', weight: 5, kind: 'user', description: 'Deleted user' },
  { type: 'fapi', weight: 5, kind: 'api', description: 'Insufficient scope' },
  { type: 'feccft', weight: 5, kind: 'exchange', description: 'Unauthorized' },
];
const TOTAL_WEIGHT = TYPES.reduce((sum, spec) => sum + spec.weight, 0);

/** Every event type the generator emits. */
export const LOG_TYPES: readonly string[] = TYPES.map((spec) => spec.type);

const CLIENTS = ['Customer Portal', 'Mobile App', 'Billing API', 'Admin Dashboard', 'Log Shipper'];
const CONNECTIONS = [
  { name: 'Username-Password-Authentication', strategy: 'auth0', type: 'database' },
  { name: 'google-oauth2', strategy: 'google-oauth2', type: 'social' },
  { name: 'github', strategy: 'github', type: 'social' },
  { name: 'acme-saml', strategy: 'samlp', type: 'enterprise' },
  { name: 'sms', strategy: 'sms', type: 'passwordless' },
];
const AGENTS = [
  { ua: 'Chrome 120.0.0 / Mac OS X 10.15.7', mobile: false },
  { ua: 'Chrome 120.0.0 / Windows 10.0.0', mobile: false },
  { ua: 'Firefox 121.0.0 / Ubuntu 0.0.0', mobile: false },
  { ua: 'Safari 17.1.0 / Mac OS X 10.15.7', mobile: false },
  { ua: 'Mobile Safari 17.1.0 / iOS 17.1.2', mobile: true },
  { ua: 'Chrome Mobile 120.0.0 / Android 14.0.0', mobile: true },
  { ua: 'node-superagent 3.8.3 / Other 0.0.0', mobile: false },
];
const HOSTNAME = 'fake-tenant.us.auth0.com';
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function pick<T>(items: readonly T[], r: number): T {
  return items[Math.floor(r * items.length)] as T;
}

function chars(random: () => number, length: number, alphabet: string): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[Math.floor(random() * alphabet.length)];
  return out;
}

/** The type of log `index`: the first draw of its PRNG, so filters need not build the whole log. */
export function typeSpecFor(first: number): TypeSpec {
  let threshold = first * TOTAL_WEIGHT;
  for (const spec of TYPES) {
    threshold -= spec.weight;
    if (threshold < 0) return spec;
  }
  return TYPES[0] as TypeSpec;
}

const BURST_TYPES = TYPES.filter((spec) => spec.type === 'f' || spec.type === 'fu');

/** The type of a burst log: a failed login, `f` or `fu`, drawn from its first draw. */
export function burstSpecFor(first: number): TypeSpec {
  return BURST_TYPES[first < 0.5 ? 0 : 1] as TypeSpec;
}

/** Fixed identities (clients, connections) of one seed. */
export interface Tenant {
  seed: number;
  clients: { name: string; id: string }[];
  connections: { name: string; strategy: string; type: string; id: string }[];
}

export function makeTenant(seed: number): Tenant {
  const random = mulberry32(mix(seed, 0xffffffff));
  return {
    seed,
    clients: CLIENTS.map((name) => ({ name, id: chars(random, 32, ALNUM) })),
    connections: CONNECTIONS.map((c) => ({ ...c, id: `con_${chars(random, 16, ALNUM)}` })),
  };
}

function userOf(tenant: Tenant, index: number, strategy: string) {
  const random = mulberry32(mix(tenant.seed ^ 0x5bd1e995, index));
  const prefix = strategy === 'auth0' ? 'auth0' : strategy;
  return {
    user_id: `${prefix}|${chars(random, 24, '0123456789abcdef')}`,
    user_name: `user${index}@example.com`,
  };
}

/** Every field of one log of type `spec` except ids and date, drawn from `random`. */
export function buildFields(
  tenant: Tenant,
  spec: TypeSpec,
  random: () => number,
  date: string,
): Record<string, unknown> {
  const client = pick(tenant.clients, random());
  const connection = pick(tenant.connections, random());
  const agent = pick(AGENTS, random());
  const ip = `${pick([34, 52, 81, 93, 176, 203], random())}.${Math.floor(random() * 256)}.${Math.floor(random() * 256)}.${1 + Math.floor(random() * 254)}`;
  const user = userOf(tenant, Math.floor(random() * 5000), connection.strategy);
  const elapsed = 50 + Math.floor(random() * 2000);
  const completedAt = Date.parse(date);
  const common = {
    type: spec.type,
    description: spec.description,
    client_id: client.id,
    client_name: client.name,
    ip,
    user_agent: agent.ua,
    hostname: HOSTNAME,
    isMobile: agent.mobile,
  };
  const identity = {
    connection: connection.name,
    connection_id: connection.id,
    strategy: connection.strategy,
    strategy_type: connection.type,
    ...user,
  };
  const executions = [chars(random, 40, ALNUM)];
  switch (spec.kind) {
    case 'exchange':
      return {
        ...common,
        audience: `https://${HOSTNAME}/api/v2/`,
        scope: 'read:users update:users read:logs read:logs_users',
        details: {
          actions: { executions },
          grant_type: 'client_credentials',
          elapsedTime: elapsed,
        },
      };
    case 'api':
      return {
        ...common,
        ...identity,
        details: {
          request: {
            method: 'patch',
            path: `/api/v2/users/${user.user_id}`,
            channel: 'https://manage.auth0.com/',
            ip,
            auth: { strategy: 'jwt', credentials: { scopes: ['update:users'] } },
          },
          response: { statusCode: spec.type === 'fapi' ? 403 : 200, body: {} },
        },
      };
    case 'failure':
      return {
        ...common,
        ...identity,
        details: {
          error: { message: spec.description, oauthError: 'access_denied' },
          elapsedTime: elapsed,
        },
      };
    default:
      return {
        ...common,
        ...identity,
        details: {
          initiatedAt: completedAt - elapsed,
          completedAt,
          elapsedTime: elapsed,
          session_id: chars(random, 32, ALNUM),
          actions: { executions },
          stats: { loginsCount: 1 + Math.floor(random() * 400) },
        },
      };
  }
}
