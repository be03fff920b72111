// The registrar's view of a SIP profile's params (spec §2.3, §5.1, §5.2): which REGISTERs to
// accept and how to authenticate, store, NAT-detect, keep alive and expire them. One plain
// object read once from the profile's configuration when the profile starts (FreeSWITCH also
// reads profile params only on start/rescan; the directory, by contrast, is read per request).
// Params FreeSWITCH does not have are ours and named in the same style; each has a default.

import type { SipProfileConf } from '../config/index.js';
import type { MultipleRegistrations } from './registrar.js';

export interface RegistrarSettings {
  profileName: string;
  /** `disable-register`: every REGISTER gets 403. */
  disableRegister: boolean;
  /** `accept-blind-reg`: register without a challenge. */
  acceptBlindReg: boolean;
  /** `apply-register-acl`: a source not in it gets 403; one in it registers without a challenge. */
  registerAcl: string | undefined;
  /** `force-register-domain`: the directory domain users are looked up in, whatever realm the phone used. */
  forceRegisterDomain: string | undefined;
  /** `force-register-db-domain`: the domain bindings are stored (and looked up) under. */
  forceRegisterDbDomain: string | undefined;
  /** `challenge-realm`: `auto_to`, `auto_from` or a literal realm. */
  challengeRealm: string;
  /** `inbound-reg-force-matching-username`. */
  forceMatchingUsername: boolean;
  /** `nonce-ttl` in seconds. */
  nonceTtlSec: number;
  /** `multiple-registrations`. */
  multipleRegistrations: MultipleRegistrations;
  /** `register-min-expires` (ours, default 60): shorter requests get 423 with Min-Expires. */
  minExpiresSec: number;
  /** `register-max-expires` (ours, default 3600): longer requests are shortened to it. */
  maxExpiresSec: number;
  /** `register-default-expires` (ours, default 3600): neither Expires nor a Contact expires. */
  defaultExpiresSec: number;
  /** `sip-expires-late-margin` (FreeSWITCH, default 60): grace before an unrefreshed binding is swept. */
  lateMarginSec: number;
  /** `max-registrations-per-extension` (default 20 here; FreeSWITCH: unlimited). A user param overrides it. */
  maxRegistrationsPerExtension: number;
  /** `auth-fail-ban-count` / `-window-sec` / `-ban-sec` (ours): brute-force protection. */
  authFailBanCount: number;
  authFailWindowSec: number;
  authFailBanSec: number;
  /** `apply-nat-acl` (vanilla `nat.auto`): a Contact host in it is behind NAT. */
  natAcl: string | undefined;
  /** `local-network-acl` (vanilla `localnet.auto`): a source in it is never NAT. */
  localNetworkAcl: string | undefined;
  /** `aggressive-nat-detection`. */
  aggressiveNat: boolean;
  /** `nat-contact-mismatch` (ours, default true): a UDP Contact that is not the source ip:port is NAT. */
  natContactMismatch: boolean;
  /** `nat-options-ping`: keep NATed bindings alive with OPTIONS. */
  natOptionsPing: boolean;
  /** `all-reg-options-ping`: ping every binding. */
  allRegOptionsPing: boolean;
  /** `ping-mean-interval` (FreeSWITCH, default 30 s): each pinged binding gets an OPTIONS this often. */
  pingIntervalSec: number;
  /** `ping-max-failures` (ours, default 2): unanswered pings in a row before the phone counts as gone. */
  pingMaxFailures: number;
  /** `unregister-on-options-fail` (FreeSWITCH's name; default true here): drop a binding that stopped answering. */
  unregisterOnOptionsFail: boolean;
  /** `registration-sweep-sec` (ours, default 10): how often expired bindings are swept. */
  sweepIntervalSec: number;
  /** `presence-hosts`, for the events. */
  presenceHosts: string | undefined;
}

/** Defaults for building settings by hand (tests, tools). */
export const DEFAULT_REGISTRAR_SETTINGS: Omit<RegistrarSettings, 'profileName'> = {
  disableRegister: false,
  acceptBlindReg: false,
  registerAcl: undefined,
  forceRegisterDomain: undefined,
  forceRegisterDbDomain: undefined,
  challengeRealm: 'auto_to',
  forceMatchingUsername: false,
  nonceTtlSec: 60,
  multipleRegistrations: 'off',
  minExpiresSec: 60,
  maxExpiresSec: 3600,
  defaultExpiresSec: 3600,
  lateMarginSec: 60,
  maxRegistrationsPerExtension: 20,
  authFailBanCount: 5,
  authFailWindowSec: 60,
  authFailBanSec: 300,
  natAcl: undefined,
  localNetworkAcl: undefined,
  aggressiveNat: false,
  natContactMismatch: true,
  natOptionsPing: false,
  allRegOptionsPing: false,
  pingIntervalSec: 30,
  pingMaxFailures: 2,
  unregisterOnOptionsFail: true,
  sweepIntervalSec: 10,
  presenceHosts: undefined,
};

/** Read the registrar's settings from a profile's params. */
export function registrarSettings(conf: SipProfileConf): RegistrarSettings {
  const d = DEFAULT_REGISTRAR_SETTINGS;
  const int = (name: string, def: number, min = 0) => Math.max(min, conf.int(name, def));
  const bool = (name: string, def: boolean) => conf.bool(name, def);
  const str = (name: string) => conf.params.get(name)?.trim() || undefined;
  return {
    profileName: conf.name,
    disableRegister: bool('disable-register', d.disableRegister),
    acceptBlindReg: bool('accept-blind-reg', d.acceptBlindReg),
    registerAcl: str('apply-register-acl'),
    forceRegisterDomain: str('force-register-domain'),
    forceRegisterDbDomain: str('force-register-db-domain'),
    challengeRealm: str('challenge-realm') ?? d.challengeRealm,
    forceMatchingUsername: bool('inbound-reg-force-matching-username', d.forceMatchingUsername),
    nonceTtlSec: int('nonce-ttl', d.nonceTtlSec, 1),
    multipleRegistrations: conf.multipleRegistrations,
    minExpiresSec: int('register-min-expires', d.minExpiresSec),
    maxExpiresSec: int('register-max-expires', d.maxExpiresSec, 1),
    defaultExpiresSec: int('register-default-expires', d.defaultExpiresSec, 1),
    lateMarginSec: int('sip-expires-late-margin', d.lateMarginSec),
    maxRegistrationsPerExtension: int('max-registrations-per-extension', d.maxRegistrationsPerExtension, 1),
    authFailBanCount: int('auth-fail-ban-count', d.authFailBanCount),
    authFailWindowSec: int('auth-fail-window-sec', d.authFailWindowSec, 1),
    authFailBanSec: int('auth-fail-ban-sec', d.authFailBanSec),
    natAcl: str('apply-nat-acl'),
    localNetworkAcl: str('local-network-acl'),
    aggressiveNat: bool('aggressive-nat-detection', d.aggressiveNat),
    natContactMismatch: bool('nat-contact-mismatch', d.natContactMismatch),
    natOptionsPing: bool('nat-options-ping', d.natOptionsPing),
    allRegOptionsPing: bool('all-reg-options-ping', d.allRegOptionsPing),
    pingIntervalSec: int('ping-mean-interval', d.pingIntervalSec, 1),
    pingMaxFailures: int('ping-max-failures', d.pingMaxFailures, 1),
    unregisterOnOptionsFail: bool('unregister-on-options-fail', d.unregisterOnOptionsFail),
    sweepIntervalSec: int('registration-sweep-sec', d.sweepIntervalSec, 1),
    presenceHosts: str('presence-hosts'),
  };
}
