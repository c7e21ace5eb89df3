import { createRequire } from 'node:module';
import { isArgumentError } from '../../src/errors';
import { getLogType, logTypes, typesAtLevel } from '../../src/auth0/log-types';
import type { LogTypeInfo } from '../../src/auth0/log-types';

interface OriginalEntry {
  name: string;
  description?: string;
  icon: string;
  severity: string;
  level: number;
  category?: string;
}

// The catalog of the package this library reimplements, loaded as its users load it.
const original = createRequire(__filename)('auth0-log-extension-tools/src/logTypes') as Record<
  string,
  OriginalEntry
> & { get(type: string): string };
const originalCodes = Object.keys(original).filter((key) => key !== 'get');

// Codes from Auth0's current "Log Event Type Codes" reference that the original does not know.
const documentedSince = [
  'acls_summary',
  'actions_execution_failed',
  'api_limit_warning',
  'appi',
  'ciba_exchange_succeeded',
  'fdeac',
  'fi',
  'si',
  'fpurh',
  'mfar',
  'pla',
  'srrt',
  'scv',
  'limit_sul',
  'signup_pwd_leak',
  'reset_pwd_leak',
  'gd_webauthn_enrollment_failed',
  'gd_send_email',
  'oidc_backchannel_logout_failed',
  'oidc_backchannel_logout_succeeded',
  'universal_logout_succeeded',
  'wn',
  'wum',
];

const codes = Object.keys(logTypes);

describe('logTypes', () => {
  it('holds every code of the original catalog and the codes Auth0 documents now', () => {
    expect(originalCodes).toHaveLength(98);
    expect(codes).toEqual(expect.arrayContaining([...originalCodes, ...documentedSince]));
    expect(codes.length).toBeGreaterThanOrEqual(originalCodes.length + documentedSince.length);
    // Auth0's reference lists about 165 codes; the original knew 98, some of them retired since.
    expect(codes.length).toBeGreaterThanOrEqual(170);
    expect(new Set(codes).size).toBe(codes.length);
  });

  it.each(originalCodes)('keeps the original entry of %s', (code) => {
    const before = original[code] as OriginalEntry;
    const now = logTypes[code] as LogTypeInfo;
    // The original's name, which the extensions' senders ship; Auth0's newer one beside it.
    expect(now.name).toBe(before.name);
    expect(now.auth0Name).not.toBe(now.name);
    expect(now).toMatchObject({
      icon: before.icon,
      severity: before.severity,
      level: before.level,
    });
    expect(now.category).toBe(before.category);
  });

  it('gives every entry a name, an icon, a known severity and a level from 0 to 4', () => {
    for (const code of codes) {
      const info = logTypes[code] as LogTypeInfo;
      expect(info.name.trim()).not.toBe('');
      expect(info.icon).toMatch(/^icon-budicon-[\w-]+$/);
      expect(['success', 'error', 'warning']).toContain(info.severity);
      expect([0, 1, 2, 3, 4]).toContain(info.level);
      if (info.description !== undefined) expect(info.description.trim()).not.toBe('');
    }
  });

  it('levels successes at 1, failures at 3 or 4 and warnings at 2', () => {
    for (const code of codes) {
      const { severity, level } = logTypes[code] as LogTypeInfo;
      if (severity === 'success') expect(level).toBe(1);
      if (severity === 'warning') expect(level).toBe(2);
      if (severity === 'error') expect(level).toBeGreaterThanOrEqual(3);
    }
    expect(logTypes['limit_sul']?.level).toBe(4);
    expect(logTypes['depnote']?.level).toBe(2);
  });

  it('describes the new codes', () => {
    for (const code of documentedSince)
      expect(logTypes[code]?.description).toEqual(expect.any(String));
  });

  it('get returns the original name for every one of its 98 codes', () => {
    expect(originalCodes).toHaveLength(98);
    const differing = originalCodes.filter((code) => logTypes.get(code) !== original.get(code));
    expect(differing).toEqual([]);
    expect(logTypes.get('api_limit')).toBe('Rate Limit On API');
    expect(logTypes.get('gd_auth_succeed')).toBe('OTP Auth suceed');
    expect(logTypes.get('fui')).toBe('Users import');
    expect(logTypes['api_limit']?.auth0Name).toBe(
      'Rate Limit on the Authentication or Management APIs',
    );
  });

  it('keeps Auth0 current names for the codes the original lacks', () => {
    expect(logTypes.get('api_limit_warning')).toBe(logTypes['api_limit_warning']?.name);
    expect(logTypes.get('slo')).toBe('Success Logout');
    for (const code of documentedSince) expect(logTypes[code]?.auth0Name).toBeUndefined();
  });

  it('get names unknown types like the original', () => {
    for (const type of ['nope', '', 'toString', '__proto__', 'get']) {
      expect(logTypes.get(type)).toBe(`Unknown Log Type: ${type}`);
      expect(getLogType(type)).toBeUndefined();
    }
    expect(original.get('nope')).toBe('Unknown Log Type: nope');
  });

  it('keeps get out of the enumerable codes', () => {
    expect(codes).not.toContain('get');
    expect(Object.prototype.propertyIsEnumerable.call(logTypes, 'get')).toBe(false);
    expect(JSON.parse(JSON.stringify(logTypes))).not.toHaveProperty('get');
  });

  it('cannot be mutated', () => {
    expect(Object.isFrozen(logTypes)).toBe(true);
    const s = logTypes['s'] as LogTypeInfo;
    expect(Object.isFrozen(s)).toBe(true);
    const mutable = logTypes as Record<string, unknown>;
    expect(() => {
      mutable['s'] = { name: 'hacked' };
    }).toThrow(TypeError);
    expect(() => {
      mutable['new_code'] = s;
    }).toThrow(TypeError);
    expect(() => {
      delete mutable['f'];
    }).toThrow(TypeError);
    expect(() => {
      (s as { level: number }).level = 0;
    }).toThrow(TypeError);
    expect(() => {
      (logTypes as { get: unknown }).get = () => 'x';
    }).toThrow(TypeError);
    expect(logTypes['s']).toBe(s);
    expect(s.level).toBe(1);
    expect(logTypes.get('s')).toBe('Success Login');
  });
});

describe('getLogType', () => {
  it('returns the entry of a known code', () => {
    expect(getLogType('fp')).toBe(logTypes['fp']);
    expect(getLogType('pwd_leak')).toMatchObject({ name: 'Breached password', severity: 'error' });
  });
});

describe('typesAtLevel', () => {
  it('returns the codes at or above a level', () => {
    for (const min of [0, 1, 2, 3, 4]) {
      const expected = codes.filter((code) => (logTypes[code] as LogTypeInfo).level >= min);
      expect(typesAtLevel(min).sort()).toEqual(expected.sort());
    }
    expect(typesAtLevel(0)).toHaveLength(codes.length);
    expect(typesAtLevel(5)).toEqual([]);
    expect(typesAtLevel(4)).toEqual(expect.arrayContaining(['limit_wc', 'limit_mu', 'api_limit']));
    expect(typesAtLevel(4)).not.toContain('s');
    expect(typesAtLevel(3)).toContain('f');
    expect(typesAtLevel(3)).not.toContain('w');
  });

  it('returns a fresh array each time', () => {
    const first = typesAtLevel(3);
    first.length = 0;
    expect(typesAtLevel(3).length).toBeGreaterThan(0);
  });

  it('rejects a level that is not a number', () => {
    expect.assertions(3);
    try {
      typesAtLevel(Number.NaN);
    } catch (error) {
      expect(isArgumentError(error)).toBe(true);
      expect((error as Error).message).toBe(
        'Expected `logLevel` to be a number from 0 to 4, got NaN',
      );
    }
    expect(() => typesAtLevel('3' as unknown as number)).toThrow(/logLevel/);
  });
});
