import { startFakeTenant, type FakeTenant, type FakeTenantOptions } from '../../src/testing';
import type { StoredState } from '../../src/types';

/** Starts a fake tenant for one test file and closes it after. */
export function useTenant(options: FakeTenantOptions = {}): () => FakeTenant {
  let tenant: FakeTenant | undefined;
  beforeAll(async () => {
    tenant = await startFakeTenant(options);
  });
  afterAll(async () => {
    await tenant?.close();
  });
  return () => {
    if (!tenant) throw new Error('the fake tenant has not started');
    return tenant;
  };
}

/** Client options that reach `tenant` (trusting its CA). */
export function credentials(tenant: FakeTenant) {
  return {
    domain: tenant.domain,
    clientId: tenant.clientId,
    clientSecret: tenant.clientSecret,
    ca: tenant.ca,
  };
}

/** The environment the CLI reads `tenant`'s credentials from (its CA goes by `--ca-file`). */
export function tenantEnv(tenant: FakeTenant) {
  return {
    AUTH0_DOMAIN: tenant.domain,
    AUTH0_CLIENT_ID: tenant.clientId,
    AUTH0_CLIENT_SECRET: tenant.clientSecret,
  };
}

/** An in-memory StorageContext that records every write (as a JSON copy). */
export function memoryStorage(initial?: StoredState) {
  let doc: StoredState | undefined = initial && structuredClone(initial);
  const writes: StoredState[] = [];
  return {
    writes,
    get current(): StoredState | undefined {
      return doc;
    },
    async read() {
      return doc === undefined ? undefined : (JSON.parse(JSON.stringify(doc)) as StoredState);
    },
    async write(data: StoredState) {
      doc = JSON.parse(JSON.stringify(data)) as StoredState;
      writes.push(doc);
    },
  };
}
