// Header lists of the registrar's CUSTOM events (spec §7.6), as pure functions returning
// EventHeaders for EventBus.publish('CUSTOM', headers, { subclass }). Header names, order and
// the from/to naming follow FreeSWITCH's sofia_reg.c: in sofia::register and friends
// `from-user`/`from-host` are the registered AOR (the REGISTER's To) and `to-user`/`to-host`
// the REGISTER's From — FreeSWITCH's own quirk, kept because ESL consumers read them so.

import type { EventHeaders } from '../common/index.js';
import type { AuthDecision } from './auth.js';
import type { BanEntry } from './ban.js';
import type { Binding } from './location-store.js';
import { fsContactString, registrationStatus } from './nat.js';

export const SOFIA_REGISTER = 'sofia::register';
export const SOFIA_UNREGISTER = 'sofia::unregister';
export const SOFIA_EXPIRE = 'sofia::expire';
export const SOFIA_PRE_REGISTER = 'sofia::pre_register';
export const SOFIA_REGISTER_ATTEMPT = 'sofia::register_attempt';
export const SOFIA_REGISTER_FAILURE = 'sofia::register_failure';
/** Not a FreeSWITCH event: a source address was banned after repeated auth failures. */
export const AUTH_BAN = 'softswitch::auth_ban';

/** Request facts shared by the events of one REGISTER. */
export interface RegisterEventContext {
  profileName: string;
  /** Profile `presence-hosts` (FreeSWITCH writes `n/a` when unset). */
  presenceHosts?: string | undefined;
  /** User and host of the REGISTER's From (default: the AOR's). */
  fromUser?: string | undefined;
  fromHost?: string | undefined;
  /** FreeSWITCH always sends `unknown` for registrations. */
  rpid?: string | undefined;
}

/** `sofia::register`: a binding was added (`updateReg` false) or refreshed (true). */
export function registerEventHeaders(
  b: Binding,
  ctx: RegisterEventContext & { expiresSec: number; updateReg: boolean; variables?: EventHeaders | undefined },
): EventHeaders {
  const h: EventHeaders = [
    ['profile-name', ctx.profileName],
    ['from-user', b.user],
    ['from-host', b.domain],
    ['presence-hosts', ctx.presenceHosts || 'n/a'],
    ['contact', fsContactString(b)],
    ['call-id', b.callId],
    ['rpid', ctx.rpid ?? 'unknown'],
    ['status', registrationStatus(b)],
    ['expires', String(ctx.expiresSec)],
    ['to-user', ctx.fromUser ?? b.user],
    ['to-host', ctx.fromHost ?? b.domain],
    ['network-ip', b.sourceIp],
    ['network-port', String(b.sourcePort)],
    ['username', b.authUser],
    ['realm', b.authRealm],
    ['user-agent', b.userAgent],
  ];
  if (ctx.updateReg) h.push(['update-reg', 'true']);
  if (ctx.variables) for (const v of ctx.variables) h.push(v);
  return h;
}

/** `sofia::unregister`: a binding was removed by the phone (Expires 0 or wildcard). */
export function unregisterEventHeaders(b: Binding, ctx: RegisterEventContext): EventHeaders {
  return [
    ['profile-name', ctx.profileName],
    ['username', b.authUser],
    ['from-user', b.user],
    ['from-host', b.domain],
    ['contact', fsContactString(b)],
    ['call-id', b.callId],
    ['rpid', ctx.rpid ?? 'unknown'],
    ['realm', b.authRealm],
    ['network-ip', b.sourceIp],
    ['network-port', String(b.sourcePort)],
    ['user-agent', b.userAgent],
    ['expires', '0'],
  ];
}

/** `sofia::expire`: a binding ran out without a refresh (`expires` is its expiry time, epoch s, as in FreeSWITCH). */
export function expireEventHeaders(b: Binding, profileName: string = b.profile ?? ''): EventHeaders {
  return [
    ['profile-name', profileName],
    ['call-id', b.callId],
    ['user', b.user],
    ['host', b.domain],
    ['contact', fsContactString(b)],
    ['expires', String(b.expiresAt)],
    ['user-agent', b.userAgent],
    ['realm', b.authRealm],
    ['network-ip', b.sourceIp],
    ['network-port', String(b.sourcePort)],
  ];
}

/** What the events of the auth flow know about the REGISTER (no binding exists yet). */
export interface RegisterRequestInfo {
  profileName: string;
  /** The AOR being registered (To). */
  toUser: string;
  toHost: string;
  /** The REGISTER's From. */
  fromUser: string;
  fromHost: string;
  /** The Contact value, if the request had one. */
  contact?: string | undefined;
  callId: string;
  /** Requested expires, when the request had a Contact. */
  expiresSec?: number | undefined;
  networkIp: string;
  networkPort: number;
  userAgent: string;
  /** `Registered(UDP)` etc., as it would be stored. */
  status?: string | undefined;
}

export type AuthResult = 'SUCCESS' | 'RENEWED' | 'STALE' | 'FORBIDDEN';

/**
 * The `auth-result` of a decision, or undefined when FreeSWITCH would send no
 * register_attempt (no credentials at all, or a banned source we ignore). Credentials that
 * were present but unusable are STALE, as FreeSWITCH reports them.
 */
export function authResultOf(d: AuthDecision): AuthResult | undefined {
  switch (d.kind) {
    case 'ok':
      return d.renewed ? 'RENEWED' : 'SUCCESS';
    case 'stale':
      return 'STALE';
    case 'forbidden':
      return 'FORBIDDEN';
    case 'challenge':
      return d.cause === 'no-credentials' ? undefined : 'STALE';
    case 'banned':
      return undefined;
  }
}

function flowHeaders(r: RegisterRequestInfo): EventHeaders {
  const h: EventHeaders = [
    ['profile-name', r.profileName],
    ['from-user', r.toUser],
    ['from-host', r.toHost],
  ];
  if (r.contact !== undefined) h.push(['contact', r.contact]);
  h.push(['call-id', r.callId], ['rpid', 'unknown'], ['status', r.status ?? 'Registered(UDP)']);
  if (r.contact !== undefined && r.expiresSec !== undefined) h.push(['expires', String(r.expiresSec)]);
  h.push(['to-user', r.fromUser], ['to-host', r.fromHost], ['network-ip', r.networkIp], ['network-port', String(r.networkPort)]);
  return h;
}

/** `sofia::register_attempt`: a REGISTER with credentials was checked. */
export function registerAttemptEventHeaders(r: RegisterRequestInfo, auth: { username: string; realm: string; result: AuthResult }): EventHeaders {
  return [...flowHeaders(r), ['username', auth.username], ['realm', auth.realm], ['user-agent', r.userAgent], ['auth-result', auth.result]];
}

/** `sofia::pre_register`: a challenge is being sent. */
export function preRegisterEventHeaders(r: RegisterRequestInfo): EventHeaders {
  return [...flowHeaders(r), ['user-agent', r.userAgent]];
}

/** `sofia::register_failure`: authentication failed with 403 (REGISTER or INVITE). */
export function registerFailureEventHeaders(r: {
  profileName: string;
  toUser: string;
  toHost: string;
  networkIp: string;
  networkPort: number;
  userAgent: string;
  registrationType: 'REGISTER' | 'INVITE';
}): EventHeaders {
  return [
    ['profile-name', r.profileName],
    ['to-user', r.toUser],
    ['to-host', r.toHost],
    ['network-ip', r.networkIp],
    ['user-agent', r.userAgent],
    ['network-port', String(r.networkPort)],
    ['registration-type', r.registrationType],
  ];
}

/** `softswitch::auth_ban`: `ban` just started on `profileName`. */
export function authBanEventHeaders(ban: BanEntry, profileName: string): EventHeaders {
  return [
    ['profile-name', profileName],
    ['network-ip', ban.ip],
    ['failures', String(ban.failures)],
    ['ban-seconds', String(Math.round((ban.untilMs - ban.bannedAtMs) / 1000))],
    ['banned-until', new Date(ban.untilMs).toISOString()],
  ];
}
