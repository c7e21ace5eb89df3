/**
 * Auth0's Log Streams filter categories and the log type codes each covers. Names: the Management
 * API's `filters[].name` of a log stream (node-auth0 `LogStreamFilterGroupNameEnum`,
 * https://auth0.github.io/node-auth0/variables/management.Management.LogStreamFilterGroupNameEnum.html);
 * codes: "Log Stream Filters", https://auth0.com/docs/customize/log-streams/event-filters.
 * That page lists no code under "Management API - Failure": `management.fail` holds `fapi`
 * ("Failed API Operation"), the failing twin of `sapi`. `other` ("unclassified events") is every
 * type no other category covers, types this catalog does not know included.
 */
export const LOG_CATEGORIES: Readonly<Record<string, readonly string[]>> = Object.freeze({
  actions: ['actions_execution_failed'],
  'auth.login.fail': ['f', 'fc', 'fco', 'fcoa', 'fens', 'fp', 'fu'],
  'auth.login.notification': ['w'],
  'auth.login.success': ['s', 'scoa', 'sens'],
  'auth.logout.fail': ['flo', 'oidc_backchannel_logout_failed'],
  'auth.logout.success': ['oidc_backchannel_logout_succeeded', 'slo'],
  'auth.signup.fail': ['fs'],
  'auth.signup.success': ['ss'],
  'auth.silent_auth.fail': ['fsa'],
  'auth.silent_auth.success': ['ssa'],
  'auth.token_exchange.fail': [
    'feacft',
    'feccft',
    'fede',
    'feoobft',
    'feotpft',
    'fepft',
    'fepotpft',
    'fercft',
    'ferrt',
    'fertft',
  ],
  'auth.token_exchange.success': [
    'seacft',
    'seccft',
    'sede',
    'seoobft',
    'seotpft',
    'sepft',
    'sercft',
    'sertft',
  ],
  'management.fail': ['fapi'],
  'management.success': ['sapi', 'mgmt_api_read'],
  'scim.event': ['sscim', 'fscim'],
  'system.notification': [
    'admin_update_launch',
    'api_limit',
    'coff',
    'con',
    'depnote',
    'fcpro',
    'fui',
    'limit_delegation',
    'limit_mu',
    'limit_wc',
    'sys_os_update_start',
    'sys_os_update_end',
    'sys_update_start',
    'sys_update_end',
  ],
  'user.fail': [
    'fce',
    'fcp',
    'fcpn',
    'fcpr',
    'fcu',
    'fd',
    'fdeaz',
    'fdecc',
    'fdu',
    'fn',
    'fv',
    'fvr',
    'ss_sso_failure',
  ],
  'user.notification': [
    'cs',
    'gd_enrollment_complete',
    'gd_start_enroll',
    'gd_unenroll',
    'gd_update_device_account',
    'ss_sso_info',
    'ublkdu',
  ],
  'user.success': [
    'sce',
    'scp',
    'scpn',
    'scpr',
    'scu',
    'sdu',
    'srrt',
    'ss_sso_success',
    'sui',
    'sv',
    'svr',
  ],
  other: [],
});

/** The category of the types no other category covers. */
export const OTHER_CATEGORY = 'other';

const categoryOfType = new Map<string, string>(
  Object.entries(LOG_CATEGORIES).flatMap(([name, codes]) =>
    codes.map((code) => [code, name] as [string, string]),
  ),
);

/** The Log Streams category of a log type code: `other` for a type no category lists. */
export function logCategoryOf(type: string): string {
  return categoryOfType.get(type) ?? OTHER_CATEGORY;
}

/** True when `name` is a Log Streams filter category. */
export function isLogCategory(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(LOG_CATEGORIES, name);
}
