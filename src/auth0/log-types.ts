import { ArgumentError } from '../errors';

/** How an event turned out. The same three values auth0-log-extension-tools used. */
export type LogSeverity = 'success' | 'error' | 'warning';

/** 0 debug, 1 info, 2 warning, 3 error, 4 critical. The processor's `logLevel` filter compares these. */
export type LogLevel = 0 | 1 | 2 | 3 | 4;

/** What the catalog knows about one log event type code. */
export interface LogTypeInfo {
  /** Short event name, e.g. `Success Login`. */
  readonly name: string;
  /** What the event means, after Auth0's "Log Event Type Codes" reference. */
  readonly description?: string;
  /** Dashboard icon class (kept from auth0-log-extension-tools). */
  readonly icon: string;
  readonly severity: LogSeverity;
  readonly level: LogLevel;
  /** `api` for Management API operations, as in the original catalog. */
  readonly category?: string;
  /**
   * Auth0's current name of the event, where it differs from `name`: for the codes the original
   * package knew, `name` stays the original's (the names its extensions ship), e.g. `api_limit` is
   * `Rate Limit On API` with the `auth0Name` `Rate Limit on the Authentication or Management APIs`.
   */
  readonly auth0Name?: string;
}

type Extra = { readonly category?: string; readonly auth0Name?: string };
type Row = readonly [
  code: string,
  severity: LogSeverity,
  level: LogLevel,
  icon: string,
  name: string,
  description?: string,
  extra?: Extra,
];

const S = 'success';
const E = 'error';
const W = 'warning';
const API: Extra = { category: 'api' };

// Codes from Auth0's "Log Event Type Codes" reference plus every code the original package knew
// (some, such as `du` or `sys_update_start`, Auth0 no longer documents). Icons are suffixes of
// `icon-budicon-`. For codes the original had, name, icon, severity and level are the original's.
// prettier-ignore
const ROWS: readonly Row[] = [
  ['acls_summary', S, 1, '313', 'Network ACLs Summary', 'Summary of network ACL matches over a period of time'],
  ['actions_execution_failed', E, 3, '354', 'Actions Execution Failed', 'An Action failed while executing'],
  ['acul_sdk_notice', W, 2, '354', 'ACUL SDK Notice', 'Advanced Customizations for Universal Login uses a deprecated, unsupported or missing SDK version'],
  ['admin_update_launch', S, 1, '774', 'Auth0 Update Launched'],
  ['api_limit', E, 4, '313', 'Rate Limit On API', 'Too many requests to the Authentication or Management API within the rate-limit window', { auth0Name: 'Rate Limit on the Authentication or Management APIs' }],
  ['api_limit_warning', W, 2, '313', 'Rate Limit Warning on the Authentication or Management APIs', 'Requests to the Authentication or Management API are close to the rate limit'],
  ['appi', S, 1, '546', 'Notice for API Peak Performance initiated', 'Purchased API Peak Performance capacity raised the public Authentication API limits'],
  ['ciba_exchange_failed', E, 3, '456', 'Failed CIBA Exchange', 'Exchanging an auth_req_id for an access token failed'],
  ['ciba_exchange_succeeded', S, 1, '456', 'Successful CIBA Exchange', 'An auth_req_id was exchanged for an access token'],
  ['ciba_start_failed', E, 3, '448', 'Failed CIBA Start', 'A Client-Initiated Backchannel Authentication flow could not be started'],
  ['ciba_start_succeeded', S, 1, '448', 'Successful CIBA Start', 'A Client-Initiated Backchannel Authentication flow was started'],
  ['cls', S, 1, '781', 'Code/Link Sent', 'A passwordless login code or link was sent'],
  ['coff', E, 3, '143', 'Connector Offline', 'The AD/LDAP connector is offline'],
  ['con', S, 1, '143', 'Connector Online', 'The AD/LDAP connector is online and working'],
  ['connected_accounts_connection_failed', E, 3, '448', 'Failed Connected Account Connection', 'A user could not connect a third-party account'],
  ['connected_accounts_connection_succeeded', S, 1, '448', 'Successful Connected Account Connection', 'A user connected a third-party account'],
  ['connected_accounts_delete_failed', E, 3, '311', 'Failed Connected Account Delete', 'A user could not remove a connected third-party account'],
  ['connected_accounts_delete_succeeded', S, 1, '312', 'Successful Connected Account Delete', 'A user removed a connected third-party account'],
  ['cs', S, 1, '243', 'Code Sent', 'A passwordless login code was sent'],
  ['custom_domain_verification_failed', E, 3, '354', 'Custom Domain Verification Failed', 'A custom domain could not be verified'],
  ['depnote', W, 2, '354', 'Deprecation Notice', 'The tenant uses a deprecated feature'],
  ['directory_sync_completed', S, 1, '143', 'Inbound Directory Sync Completed', 'An inbound directory synchronisation finished'],
  ['directory_sync_failed', E, 3, '143', 'Inbound Directory Sync Failed', 'An inbound directory synchronisation failed'],
  ['directory_sync_started', S, 1, '143', 'Inbound Directory Sync Started', 'An inbound directory synchronisation started'],
  ['du', E, 3, '311', 'Deleted User', 'A user was deleted'],
  ['f', E, 3, '448', 'Failed Login', 'A login failed for a reason not covered by fp or fu'],
  ['failed_on_behalf_of_token_exchange', E, 3, '456', 'Failed Exchange', 'An On-Behalf-Of token exchange failed'],
  ['fapi', E, 3, '546', 'Failed API Operation', 'A Management API operation failed', API],
  ['fc', E, 3, '313', 'Failed by Connector', 'The AD/LDAP connector rejected the login'],
  ['fce', E, 3, '266', 'Failed Change Email', "Changing a user's email failed"],
  ['fco', E, 3, '313', 'Failed by CORS', "The origin is not in the application's Allowed Origins"],
  ['fcoa', E, 3, '448', 'Failed cross origin authentication', 'A cross-origin authentication failed'],
  ['fcp', E, 3, '266', 'Failed Change Password', "Changing a user's password failed"],
  ['fcph', E, 3, '266', 'Failed Post Change Password Hook', 'The post change password hook failed'],
  ['fcpn', E, 3, '266', 'Failed Change Phone Number', "Changing a user's phone number failed"],
  ['fcpr', E, 3, '311', 'Failed Change Password Request', 'A password change request failed'],
  ['fcpro', E, 4, '143', 'Failed Connector Provisioning', 'An AD/LDAP connector could not be provisioned'],
  ['fcu', E, 3, '266', 'Failed Change Username', "Changing a user's username failed"],
  ['fd', E, 3, '456', 'Failed Delegation', 'A delegation token could not be issued'],
  ['fdeac', E, 3, '448', 'Failed Device Activation', 'A device could not be activated'],
  ['fdeaz', E, 3, '448', 'Failed Device Authorization Request', 'A device authorization request failed'],
  ['fdecc', E, 3, '448', 'User Canceled Device Confirmation', 'The user did not confirm the device'],
  ['fdu', E, 3, '311', 'Failed User Deletion', 'A user could not be deleted'],
  ['feacft', E, 3, '456', 'Failed Exchange', 'Exchanging an authorization code for an access token failed'],
  ['feccft', E, 3, '456', 'Failed Exchange', 'A client credentials grant for an access token failed'],
  ['fecte', E, 3, '456', 'Failed Exchange', 'A custom token exchange failed'],
  ['fede', E, 3, '456', 'Failed Exchange', 'Exchanging a device code for an access token failed'],
  ['federated_logout_failed', E, 3, '449', 'Failed Federated Logout', 'Logging out of the upstream identity provider failed'],
  ['fens', E, 3, '448', 'Failed Exchange', 'A native social login exchange failed'],
  ['feoobft', E, 3, '456', 'Failed Exchange', 'Exchanging a password and OOB challenge for an access token failed'],
  ['feotpft', E, 3, '456', 'Failed Exchange', 'Exchanging a password and OTP challenge for an access token failed'],
  ['fepft', E, 3, '456', 'Failed Exchange', 'Exchanging a password for an access token failed'],
  ['fepotpft', E, 3, '456', 'Failed Exchange', 'Exchanging a passwordless OTP for an access token failed'],
  ['fercft', E, 3, '456', 'Failed Exchange', 'Exchanging a password and MFA recovery code for an access token failed'],
  ['ferrt', E, 3, '456', 'Failed Exchange', 'A rotating refresh token exchange failed, for example because reuse was detected'],
  ['fertft', E, 3, '456', 'Failed Exchange', 'Exchanging a refresh token for an access token failed, for example because it was revoked or expired'],
  ['feta', E, 3, '456', 'Failed Exchange', 'A token exchange at Token Vault failed'],
  ['fi', E, 3, '311', 'Failed invite accept', 'A user invitation could not be accepted (different email address or a provisioning failure)'],
  ['flo', E, 3, '449', 'Failed Logout', 'A user logout failed'],
  ['flows_execution_completed', S, 1, '546', 'Flows Execution Completed', 'A Flow finished executing'],
  ['flows_execution_failed', E, 3, '546', 'Flows Execution Failed', 'A Flow failed while executing'],
  ['fn', E, 3, '782', 'Failed Sending Notification', 'A notification could not be sent'],
  ['forms_submission_failed', E, 3, '546', 'Forms Submission Failed', 'A Form submission failed'],
  ['forms_submission_succeeded', S, 1, '546', 'Forms Submission Succeeded', 'A Form was submitted'],
  ['fp', E, 3, '311', 'Failed Login (wrong password)', 'A login failed because of a wrong password'],
  ['fpar', E, 3, '448', 'Failed Pushed Authorization Request', 'A pushed authorization request failed'],
  ['fpurh', E, 3, '311', 'Failed Post User Registration Hook', 'The post user registration hook failed'],
  ['fs', E, 3, '311', 'Failed Signup', 'A user signup failed'],
  ['fsa', E, 3, '448', 'Failed Silent Auth', 'A silent authentication failed'],
  ['fu', E, 3, '311', 'Failed Login (invalid email/username)', 'A login failed because of an unknown email or username'],
  ['fui', W, 2, '299', 'Users import', 'A users import failed', { auth0Name: 'Failed users import' }],
  ['fv', E, 3, '311', 'Failed Verification Email', 'A verification email could not be sent'],
  ['fvr', E, 3, '311', 'Failed Verification Email Request', 'A verification email request could not be processed'],
  ['gd_auth_email_verification', S, 1, '781', 'Email Verification Confirmed', 'An MFA email verification succeeded'],
  ['gd_auth_fail_email_verification', E, 3, '781', 'Email Verification Failed', 'An MFA email verification failed'],
  ['gd_auth_failed', E, 3, 'mfa-login-failed', 'OTP Auth failed', 'Multi-factor authentication failed: a wrong SMS, voice, email or TOTP code, or a system failure', { auth0Name: 'MFA Auth failed' }],
  ['gd_auth_rejected', E, 3, 'mfa-login-failed', 'OTP Auth rejected', 'The user rejected a multi-factor push notification', { auth0Name: 'MFA Auth rejected' }],
  ['gd_auth_succeed', S, 1, 'mfa-login-succeed', 'OTP Auth suceed', 'Multi-factor authentication succeeded', { auth0Name: 'MFA Auth success' }],
  ['gd_enrollment_complete', S, 1, '299', 'Guardian enrollment complete', 'A first-time MFA user enrolled a factor', { auth0Name: 'MFA enrollment complete' }],
  ['gd_module_switch', S, 1, '329', 'Module switch'],
  ['gd_otp_rate_limit_exceed', W, 2, '435', 'Too many failures', 'More than 10 MFA requests to a device within an hour (a successful login does not reset the count)', { auth0Name: 'Too many MFA failures' }],
  ['gd_recovery_failed', E, 3, 'mfa-recovery-failed', 'Recovery failed', 'A wrong MFA recovery code was entered'],
  ['gd_recovery_rate_limit_exceed', W, 2, '435', 'Too many failures', 'Too many wrong MFA recovery codes were entered', { auth0Name: 'Multi-factor recovery code has failed too many times' }],
  ['gd_recovery_succeed', S, 1, 'mfa-recovery-succeed', 'Recovery succeed', 'A user authenticated with an MFA recovery code', { auth0Name: 'MFA recovery success' }],
  ['gd_send_email', S, 1, '799', 'MFA Email Sent', 'An MFA email was sent'],
  ['gd_send_email_verification', S, 1, '781', 'Email Verification Sent', 'An MFA verification email was sent'],
  ['gd_send_email_verification_failure', E, 3, '781', 'Email Verification Failed', 'An MFA verification email could not be sent'],
  ['gd_send_pn', S, 1, 'mfa-send-pn', 'Push notification sent', 'An MFA push notification was sent'],
  ['gd_send_pn_failure', E, 3, 'mfa-send-pn', 'Error sending MFA Push Notification', 'An MFA push notification could not be sent'],
  ['gd_send_sms', S, 1, '799', 'SMS Sent', 'An MFA SMS was sent'],
  ['gd_send_sms_failure', E, 3, '799', 'Error sending MFA SMS', 'An MFA SMS could not be sent'],
  ['gd_send_voice', S, 1, '799', 'Made voice call', 'An MFA voice call was made'],
  ['gd_send_voice_failure', E, 3, '799', 'Error making MFA voice call', 'An MFA voice call could not be made'],
  ['gd_start_auth', S, 1, '285', 'Second factor started', 'A second-factor authentication started'],
  ['gd_start_enroll', S, 1, '299', 'Enroll started', 'An MFA enrollment started'],
  ['gd_start_enroll_failed', E, 3, '299', 'MFA Enrollment start failed', 'Starting an MFA enrollment by push failed'],
  ['gd_tenant_update', S, 1, '170', 'Guardian tenant update', 'The MFA (Guardian) tenant settings changed'],
  ['gd_unenroll', S, 1, '298', 'Unenroll device account', 'A second-factor device was unenrolled'],
  ['gd_update_device_account', S, 1, '257', 'Update device account', 'A second-factor device was updated'],
  ['gd_user_delete', S, 1, '298', 'User delete', 'A multi-factor user account was deleted'],
  ['gd_webauthn_challenge_failed', E, 3, 'mfa-login-failed', 'WebAuthn browser error', 'The user failed to verify a WebAuthn factor'],
  ['gd_webauthn_enrollment_failed', E, 3, '299', 'WebAuthn browser error', 'A WebAuthn enrollment failed in the browser'],
  ['idjag_exchange_failed', E, 3, '456', 'Failed Exchange', 'Exchanging an Identity Assertion Authorization Grant JWT for an access token failed'],
  ['idjag_exchange_succeeded', S, 1, '456', 'Success Exchange', 'An Identity Assertion Authorization Grant JWT was exchanged for an access token'],
  ['jwt_bearer_exchange_failed', E, 3, '456', 'Failed Exchange', 'Exchanging a JWT bearer assertion for an access token failed'],
  ['kms_key_management_failure', E, 3, '546', 'Failed KMS API Operation', 'A KMS key operation failed'],
  ['kms_key_management_success', S, 1, '546', 'Success KMS API Operation', 'A KMS key operation succeeded'],
  ['kms_key_state_changed', W, 2, '354', 'KMS Key State Change', 'A KMS key changed state'],
  ['limit_delegation', E, 4, '313', 'Too Many Calls to /delegation', 'The /delegation endpoint rate limit was exceeded'],
  ['limit_mu', E, 4, '313', 'Blocked IP Address', 'An IP address was blocked after too many failed logins without a success, or too many signups'],
  ['limit_sul', E, 4, '313', 'Blocked Account', 'A user was temporarily blocked after reaching the login limit from one IP address'],
  ['limit_ui', E, 4, '313', 'Too Many Calls to /userinfo', 'The /userinfo endpoint rate limit was exceeded'],
  ['limit_wc', E, 4, '313', 'Blocked Account', 'An IP address was blocked after too many failed logins to one account'],
  ['mfar', S, 1, '285', 'MFA Required', 'The user was prompted for MFA (Resource Owner Password flow); may carry an Adaptive MFA risk assessment'],
  ['mgmt_api_read', S, 1, '546', 'Management API read Operation', 'A Management API GET that returns secrets succeeded', API],
  ['my_account_authentication_method_failed', E, 3, '546', 'Failed authentication method operation in My Account API', 'An authentication method operation in the My Account API failed'],
  ['my_account_authentication_method_succeeded', S, 1, '546', 'Successful authentication method operation in My Account API', 'An authentication method operation in the My Account API succeeded'],
  ['oidc_backchannel_logout_failed', E, 3, '449', 'Failed OIDC Back-Channel Logout request', 'An OIDC back-channel logout request failed'],
  ['oidc_backchannel_logout_succeeded', S, 1, '449', 'Successful OIDC Back-Channel Logout request', 'An OIDC back-channel logout request succeeded'],
  ['organization_member_added', S, 1, '314', 'Organization Member Added', 'A member was added to an organization'],
  ['passkey_challenge_failed', E, 3, '448', 'Passkey Challenge Failed', 'A native passkey challenge failed'],
  ['passkey_challenge_started', S, 1, '448', 'Passkey Challenge Started', 'A native passkey challenge started'],
  ['pla', S, 1, '448', 'Pre-login assessment', 'Emitted before a login to monitor bot detection without enabling it'],
  ['pwd_leak', E, 3, '313', 'Breached password', 'A login was attempted with a leaked password (emitted at most once per hour per IP address)'],
  ['reset_pwd_leak', E, 3, '313', 'Breached Password on Reset', 'A password reset was attempted with a leaked password'],
  ['resource_cleanup', S, 1, '354', 'Success Resource Cleanup', 'Resources above the defined limits were removed'],
  ['rich_consents_access_error', E, 3, '354', 'Rich Consents Access Error', 'A Rich Consent record could not be fetched'],
  ['s', S, 1, '448', 'Success Login', 'A login succeeded'],
  ['sapi', S, 1, '546', 'API Operation', 'A Management API write operation succeeded', API],
  ['sce', S, 1, '266', 'Success Change Email', "A user's email was changed"],
  ['scoa', S, 1, '448', 'Success cross origin authentication', 'A cross-origin authentication succeeded'],
  ['scp', S, 1, '280', 'Success Change Password', "A user's password was changed"],
  ['scph', S, 1, '280', 'Success Post Change Password Hook', 'The post change password hook succeeded'],
  ['scpn', S, 1, '266', 'Success Change Phone Number', "A user's phone number was changed"],
  ['scpr', S, 1, '280', 'Success Change Password Request', 'A password change request succeeded'],
  ['scu', S, 1, '266', 'Success Change Username', "A user's username was changed"],
  ['scv', S, 1, '448', 'Success Credential Validation', 'Credentials were validated'],
  ['sd', S, 1, '456', 'Success Delegation', 'A delegation token was issued'],
  ['sdu', S, 1, '312', 'Successful User Deletion', 'A user was deleted'],
  ['seacft', S, 1, '456', 'Success Exchange', 'An authorization code was exchanged for an access token'],
  ['seccft', S, 1, '456', 'Success Exchange', 'A client credentials grant issued an access token'],
  ['secte', S, 1, '456', 'Success Exchange', 'A custom token exchange succeeded'],
  ['sede', S, 1, '456', 'Success Exchange', 'A device code was exchanged for an access token'],
  ['sens', S, 1, '448', 'Success Exchange', 'A native social login exchange succeeded'],
  ['seoobft', S, 1, '456', 'Success Exchange', 'A password and OOB challenge were exchanged for an access token'],
  ['seotpft', S, 1, '456', 'Success Exchange', 'A password and OTP challenge were exchanged for an access token'],
  ['sepft', S, 1, '456', 'Success Exchange', 'A password was exchanged for an access token'],
  ['sepkoobft', S, 1, '456', 'Success Exchange', 'A passkey and OOB challenge were exchanged for an access token'],
  ['sepkotpft', S, 1, '456', 'Success Exchange', 'A passkey and OTP challenge were exchanged for an access token'],
  ['sepkrcft', S, 1, '456', 'Success Exchange', 'A passkey and MFA recovery code were exchanged for an access token'],
  ['sercft', S, 1, '456', 'Success Exchange', 'A password and MFA recovery code were exchanged for an access token'],
  ['sertft', S, 1, '456', 'Success Exchange', 'A refresh token was exchanged for an access token'],
  ['seta', S, 1, '456', 'Success Exchange', 'A token exchange at Token Vault succeeded'],
  ['si', S, 1, '314', 'Successfully accepted a user invite', 'A user invitation was accepted'],
  ['signup_pwd_leak', E, 3, '313', 'Breached Password on Signup', 'A signup was attempted with a leaked password'],
  ['slo', S, 1, '449', 'Success Logout', 'A user logged out'],
  ['srrt', S, 1, '456', 'Successfully revoked a refresh token', 'A refresh token was revoked'],
  ['ss', S, 1, '314', 'Success Signup', 'A user signed up'],
  ['ss_sso_failure', E, 3, '143', 'Failed SS-SSO Operation', 'A Self-Service SSO operation failed'],
  ['ss_sso_info', S, 1, '143', 'Information from an SS-SSO Operation', 'A Self-Service SSO test connection started or completed'],
  ['ss_sso_success', S, 1, '143', 'Success SS-SSO Operation', 'A Self-Service SSO operation succeeded'],
  ['ssa', S, 1, '448', 'Success Silent Auth', 'A silent authentication succeeded'],
  ['sscim', S, 1, '546', 'Successful SCIM Operation', 'A SCIM operation succeeded'],
  ['success_on_behalf_of_token_exchange', S, 1, '456', 'Success Exchange', 'An On-Behalf-Of token exchange succeeded'],
  ['sui', S, 1, '299', 'Users import', 'A users import succeeded', { auth0Name: 'Successfully imported users' }],
  ['sv', S, 1, '781', 'Success Verification Email', 'An email verification link was used'],
  ['svr', S, 1, '781', 'Success Verification Email Request', 'A verification email was queued for sending'],
  ['sys_os_update_end', S, 1, '661', 'Auth0 OS Update Ended'],
  ['sys_os_update_start', S, 1, '661', 'Auth0 OS Update Started'],
  ['sys_update_end', S, 1, '661', 'Auth0 Update Ended'],
  ['sys_update_start', S, 1, '661', 'Auth0 Update Started'],
  ['too_many_records', W, 2, '299', 'Max Amount of Authenticators', 'A user reached the maximum number of authenticators'],
  ['ublkdu', S, 1, '313', 'Account unblocked', 'A block set by anomaly detection was released'],
  ['universal_logout_failed', E, 3, '449', 'Failed Universal Logout request', 'A Universal Logout request failed'],
  ['universal_logout_succeeded', S, 1, '449', 'Successful Universal Logout request', 'A Universal Logout request succeeded'],
  ['w', W, 2, '354', 'Warning', 'A warning during login'],
  ['wn', W, 2, '782', 'Warning Sending Notification', 'A warning while sending a notification'],
  ['wum', W, 2, '354', 'Warning User Management', 'A warning during a user management operation'],
];

const byCode = new Map<string, LogTypeInfo>(
  ROWS.map(([code, severity, level, icon, name, description, extra]) => [
    code,
    Object.freeze({
      name,
      ...(description === undefined ? {} : { description }),
      icon: `icon-budicon-${icon}`,
      severity,
      level,
      ...extra,
    }),
  ]),
);

/** The catalog entry of a type code, or `undefined` for an unknown code. */
export function getLogType(code: string): LogTypeInfo | undefined {
  return byCode.get(code);
}

function getName(type: string): string {
  return byCode.get(type)?.name ?? `Unknown Log Type: ${type}`;
}

/**
 * Every known log event type, keyed by code, frozen. Like the original `logTypes` export it also
 * has a (non-enumerable) `get(type)` that returns the name or `Unknown Log Type: <type>`.
 * @example logTypes.get('fp') // 'Failed Login (wrong password)'
 */
export const logTypes: Readonly<Record<string, LogTypeInfo>> & { get(type: string): string } =
  Object.freeze(
    Object.defineProperty(Object.fromEntries(byCode), 'get', { value: getName, enumerable: false }),
  ) as Readonly<Record<string, LogTypeInfo>> & { get(type: string): string };

/**
 * Codes whose level is at least `minLevel` (what the processor's `logLevel` option keeps).
 * @example typesAtLevel(4) // ['api_limit', 'fcpro', 'limit_delegation', ...]
 */
export function typesAtLevel(minLevel: number): string[] {
  if (typeof minLevel !== 'number' || Number.isNaN(minLevel)) {
    throw new ArgumentError(
      `Expected \`logLevel\` to be a number from 0 to 4, got ${String(minLevel)}`,
      'logLevel',
    );
  }
  return [...byCode].filter(([, info]) => info.level >= minLevel).map(([code]) => code);
}
