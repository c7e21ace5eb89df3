import { type OptionSpec, type ParsedArgs, stringFlag } from './args';
import { UsageError } from './io';

/**
 * The tenant's credential flags, as `ship`, `tail` and `receive` list them: each defaults to its
 * environment variable (`AUTH0_DOMAIN`, `AUTH0_CLIENT_ID`, `AUTH0_CLIENT_SECRET`). `purpose` ends
 * the domain's description (`receive`: what it needs them for).
 */
export function credentialOptions(purpose = ', e.g. example.eu.auth0.com'): OptionSpec[] {
  return [
    {
      name: 'domain',
      type: 'string',
      value: '<domain>',
      description: `Tenant domain${purpose}`,
      default: '$AUTH0_DOMAIN',
    },
    {
      name: 'client-id',
      type: 'string',
      value: '<id>',
      description: 'Client id of an application allowed `read:logs`',
      default: '$AUTH0_CLIENT_ID',
    },
    {
      name: 'client-secret',
      type: 'string',
      value: '<secret>',
      description: 'Its client secret; prefer the variable (flags show in `ps`)',
      default: '$AUTH0_CLIENT_SECRET',
    },
  ];
}

/**
 * The tenant's three credentials, each from its flag or variable; every missing one named in one
 * `UsageError` (`purpose`, e.g. ` (for reconciliation)`, says what they are for).
 */
export function credentials(args: ParsedArgs, env: NodeJS.ProcessEnv, purpose = '') {
  const wanted = [
    ['domain', 'AUTH0_DOMAIN', 'the tenant domain'],
    ['client-id', 'AUTH0_CLIENT_ID', 'the client id'],
    ['client-secret', 'AUTH0_CLIENT_SECRET', 'the client secret'],
  ] as const;
  const values = wanted.map(([flag, variable]) => stringFlag(args, flag) ?? env[variable]);
  const missing = wanted.filter((_, i) => !values[i]);
  if (missing.length === 1) {
    const [flag, variable, what] = missing[0] as (typeof wanted)[number];
    throw new UsageError(`Missing ${what}${purpose}: pass --${flag} or set ${variable}`);
  }
  if (missing.length)
    throw new UsageError(
      `Missing ${missing.map(([, , what]) => what).join(', ')}${purpose}: ` +
        `set ${missing.map(([, variable]) => variable).join(', ')} ` +
        `(or pass ${missing.map(([flag]) => `--${flag}`).join(', ')})`,
    );
  const [domain, clientId, clientSecret] = values as [string, string, string];
  return { domain, clientId, clientSecret };
}
