// Typed view of `autoload_configs/sofia.conf.xml` and the profiles it includes from
// `sip_profiles/*.xml` (spec §5.1, §5.6): each `<profile>` with its settings, aliases, domains
// and gateways. Known params are type-checked when the config loads (a bad sip-port fails
// reloadxml, not the next call) and read through getters that apply FreeSWITCH's defaults;
// unknown params are kept as written for whoever needs them.

import { ConfigError } from '../common/index.js';
import { checkedBool, checkedInt, type NameValueSet } from './name-value-set.js';
import { readGateway, type GatewayConf } from './gateway-conf.js';
import { isIpAddress, parseBool } from './values.js';
import type { SourcePosition, XmlElement } from './xml-element.js';
import { attr, childrenNamed, firstChild, formatPos, readParamsOf, requireAttr } from './xml-util.js';

type ParamSpec =
  | { type: 'int'; def: number; min?: number; max?: number }
  | { type: 'bool'; def: boolean }
  | { type: 'enum'; def: string; values: readonly string[]; boolish?: boolean }
  | { type: 'str'; def?: string }
  | { type: 'ip' }
  | { type: 'acl' };

const PORT = { type: 'int', min: 0, max: 65535 } as const;

/**
 * The profile params the switch reads, with their type and the default that applies when the
 * param is absent (FreeSWITCH's, or ours where marked). Names compare case-insensitively.
 */
export const PROFILE_PARAMS: Readonly<Record<string, ParamSpec>> = {
  'sip-ip': { type: 'ip' },
  'rtp-ip': { type: 'ip' },
  'ext-sip-ip': { type: 'str' },
  'ext-rtp-ip': { type: 'str' },
  'sip-port': { ...PORT, def: 5060 },
  'tls-sip-port': { ...PORT, def: 5061 },
  tls: { type: 'bool', def: false },
  context: { type: 'str', def: 'public' }, // ours: the safe choice for unauthenticated calls
  dialplan: { type: 'str', def: 'XML' },
  'auth-calls': { type: 'bool', def: false },
  'auth-all-packets': { type: 'bool', def: false },
  'auth-subscriptions': { type: 'bool', def: false },
  'challenge-realm': { type: 'str', def: 'auto_to' },
  'force-register-domain': { type: 'str' },
  'force-register-db-domain': { type: 'str' },
  'force-subscription-domain': { type: 'str' },
  'inbound-reg-force-matching-username': { type: 'bool', def: false },
  'nonce-ttl': { type: 'int', def: 60, min: 1 },
  'multiple-registrations': { type: 'enum', def: 'false', values: ['contact', 'call-id'], boolish: true },
  'inbound-codec-prefs': { type: 'str' },
  'outbound-codec-prefs': { type: 'str' },
  'inbound-codec-negotiation': { type: 'enum', def: 'generous', values: ['generous', 'greedy', 'scrooge'] },
  'inbound-late-negotiation': { type: 'bool', def: false },
  'dtmf-type': { type: 'enum', def: 'rfc2833', values: ['rfc2833', 'info', 'none'] },
  'rfc2833-pt': { type: 'int', def: 101, min: 96, max: 127 },
  'dtmf-duration': { type: 'int', def: 2000, min: 1 },
  'liberal-dtmf': { type: 'bool', def: false },
  'rtp-timer-name': { type: 'str', def: 'soft' },
  'rtp-timeout-sec': { type: 'int', def: 0, min: 0 },
  'rtp-hold-timeout-sec': { type: 'int', def: 0, min: 0 },
  'hold-music': { type: 'str' },
  'apply-inbound-acl': { type: 'acl' },
  'apply-nat-acl': { type: 'acl' },
  'local-network-acl': { type: 'acl' },
  'apply-register-acl': { type: 'acl' },
  'apply-proxy-acl': { type: 'acl' },
  'accept-blind-reg': { type: 'bool', def: false },
  'accept-blind-auth': { type: 'bool', def: false },
  'disable-register': { type: 'bool', def: false },
  'disable-transfer': { type: 'bool', def: false },
  'inbound-bypass-media': { type: 'bool', def: false },
  'inbound-proxy-media': { type: 'bool', def: false },
  'nat-options-ping': { type: 'bool', def: false },
  'all-reg-options-ping': { type: 'bool', def: false },
  'sip-trace': { type: 'bool', def: false },
  'user-agent-string': { type: 'str' },
  'enable-timer': { type: 'bool', def: true },
  'session-timeout': { type: 'int', def: 0, min: 0 },
  'minimum-session-expires': { type: 'int', def: 120, min: 90 },
  'enable-100rel': { type: 'bool', def: false },
  'manage-presence': { type: 'bool', def: false },
  'record-path': { type: 'str' },
  'record-template': { type: 'str' },
  // Ours: brute-force protection for digest auth (0 disables the ban).
  'auth-fail-ban-count': { type: 'int', def: 5, min: 0 },
  'auth-fail-window-sec': { type: 'int', def: 60, min: 1 },
  'auth-fail-ban-sec': { type: 'int', def: 300, min: 0 },
  // RFC 3261 §17.1.1.1 / Table 4 transaction timers, in milliseconds.
  'timer-t1': { type: 'int', def: 500, min: 1 },
  'timer-t2': { type: 'int', def: 4000, min: 1 },
  'timer-t4': { type: 'int', def: 5000, min: 1 },
};

export interface ProfileDomain {
  readonly name: string;
  /** The directory domain(s) become aliases of this profile. */
  readonly alias: boolean;
  /** Gateways defined in the directory users of the domain(s) are loaded on this profile. */
  readonly parse: boolean;
  readonly pos: SourcePosition;
}

/** Values a profile param falls back to when neither the conf nor the table says. */
export interface ProfileDefaults {
  localIpV4: string;
  globalCodecPrefs: string | undefined;
  outboundCodecPrefs: string | undefined;
  holdMusic: string | undefined;
}

export class SipProfileConf {
  readonly name: string;
  readonly params: NameValueSet;
  readonly gateways: readonly GatewayConf[];
  readonly aliases: readonly string[];
  readonly domains: readonly ProfileDomain[];
  readonly pos: SourcePosition;
  /** `sip-ip`; default local_ip_v4. */
  readonly sipIp: string;
  /** `sip-port`; default 5060 (0 = any free port). */
  readonly sipPort: number;
  /** `rtp-ip`; default the sip-ip. */
  readonly rtpIp: string;
  readonly extSipIp: string | undefined;
  readonly extRtpIp: string | undefined;
  /** `context` for calls that are not authenticated (authenticated ones use user_context). */
  readonly context: string;
  readonly dialplan: string;
  readonly #defaults: ProfileDefaults;

  constructor(init: {
    name: string;
    params: NameValueSet;
    gateways: readonly GatewayConf[];
    aliases: readonly string[];
    domains: readonly ProfileDomain[];
    pos: SourcePosition;
    defaults: ProfileDefaults;
  }) {
    this.name = init.name;
    this.params = init.params;
    this.gateways = Object.freeze([...init.gateways]);
    this.aliases = Object.freeze([...init.aliases]);
    this.domains = Object.freeze([...init.domains]);
    this.pos = init.pos;
    this.#defaults = init.defaults;
    validateKnownParams(init.params);
    const sipIp = init.params.get('sip-ip')?.trim();
    this.sipIp = sipIp && sipIp.toLowerCase() !== 'auto' ? sipIp : init.defaults.localIpV4;
    const rtpIp = init.params.get('rtp-ip')?.trim();
    this.rtpIp = rtpIp && rtpIp.toLowerCase() !== 'auto' ? rtpIp : this.sipIp;
    this.sipPort = this.int('sip-port');
    this.extSipIp = this.param('ext-sip-ip');
    this.extRtpIp = this.param('ext-rtp-ip');
    this.context = this.param('context') ?? 'public';
    this.dialplan = this.param('dialplan') ?? 'XML';
    Object.freeze(this);
  }

  /**
   * A param's value: as written, else `fallback`, else the default from PROFILE_PARAMS (for
   * codec prefs and hold-music: the global_codec_prefs / outbound_codec_prefs / hold_music
   * globals). Empty values count as absent.
   */
  param(name: string, fallback?: string): string | undefined {
    const v = this.params.get(name);
    if (v !== undefined && v.trim() !== '') return v.trim();
    if (fallback !== undefined) return fallback;
    switch (name.toLowerCase()) {
      case 'inbound-codec-prefs':
        return this.#defaults.globalCodecPrefs ?? 'PCMU,PCMA';
      case 'outbound-codec-prefs':
        return this.#defaults.outboundCodecPrefs ?? this.#defaults.globalCodecPrefs ?? 'PCMU,PCMA';
      case 'hold-music':
        return this.#defaults.holdMusic;
    }
    const spec = PROFILE_PARAMS[name.toLowerCase()];
    if (spec && 'def' in spec && spec.def !== undefined) return String(spec.def);
    return undefined;
  }

  /** An integer param; the table default applies when absent and no fallback is given. */
  int(name: string, fallback?: number): number {
    const e = this.params.entry(name);
    if (e && e.value.trim() !== '') return checkedInt(e);
    if (fallback !== undefined) return fallback;
    const spec = PROFILE_PARAMS[name.toLowerCase()];
    if (spec?.type === 'int') return spec.def;
    throw new ConfigError(`profile ${this.name}: param ${name} is not set and has no default`, this.pos);
  }

  /** A boolean param in FreeSWITCH's spellings (true/yes/on/1 …). */
  bool(name: string, fallback?: boolean): boolean {
    const e = this.params.entry(name);
    if (e && e.value.trim() !== '') return checkedBool(e);
    if (fallback !== undefined) return fallback;
    const spec = PROFILE_PARAMS[name.toLowerCase()];
    if (spec?.type === 'bool') return spec.def;
    throw new ConfigError(`profile ${this.name}: param ${name} is not set and has no default`, this.pos);
  }

  /** Every value of a param that may repeat (e.g. several `apply-inbound-acl`). */
  list(name: string): string[] {
    return this.params.all(name).map((v) => v.trim()).filter((v) => v !== '');
  }

  /** `multiple-registrations`: off (FreeSWITCH's default), one binding per contact, or per Call-ID. */
  get multipleRegistrations(): 'off' | 'contact' | 'call-id' {
    const v = (this.param('multiple-registrations') ?? 'false').toLowerCase();
    if (v === 'call-id') return 'call-id';
    if (v === 'contact' || parseBool(v) === true) return 'contact';
    return 'off';
  }

  gateway(name: string): GatewayConf | undefined {
    const lower = name.toLowerCase();
    return this.gateways.find((g) => g.name.toLowerCase() === lower);
  }
}

function validateKnownParams(params: NameValueSet): void {
  for (const e of params.list) {
    const spec = PROFILE_PARAMS[e.name.toLowerCase()];
    if (!spec || e.value.trim() === '') continue;
    switch (spec.type) {
      case 'int':
        checkedInt(e, { min: spec.min, max: spec.max });
        break;
      case 'bool':
        checkedBool(e);
        break;
      case 'enum': {
        const v = e.value.trim().toLowerCase();
        if (!spec.values.includes(v) && !(spec.boolish && parseBool(v) !== undefined)) {
          const allowed = spec.boolish ? [...spec.values, 'true', 'false'] : spec.values;
          throw new ConfigError(`${e.name} must be one of ${allowed.join(', ')}, got "${e.value}"`, e.pos);
        }
        break;
      }
      case 'ip': {
        const v = e.value.trim();
        if (v.toLowerCase() !== 'auto' && !isIpAddress(v)) {
          throw new ConfigError(`${e.name} must be an IP address, got "${e.value}"`, e.pos);
        }
        break;
      }
      default:
        break;
    }
  }
}

export interface SofiaConf {
  /** `<global_settings>` params. */
  readonly globalSettings: NameValueSet;
  readonly profiles: readonly SipProfileConf[];
  readonly pos: SourcePosition | undefined;
}

/**
 * `directoryGateways(domain)` returns the gateways defined by directory users of a domain
 * ("all" = every domain); they join profiles whose `<domain>` entry has parse="true".
 */
export function readSofiaConf(
  el: XmlElement | undefined,
  defaults: ProfileDefaults,
  directoryGateways: (domain: string) => readonly GatewayConf[] = () => [],
): SofiaConf {
  const profiles: SipProfileConf[] = [];
  const gatewayOwners = new Map<string, { profile: string; pos: SourcePosition }>();
  for (const p of childrenNamed(firstChild(el, 'profiles'), 'profile')) {
    const name = requireAttr(p, 'name');
    const dup = profiles.find((x) => x.name.toLowerCase() === name.toLowerCase());
    if (dup) throw new ConfigError(`SIP profile "${name}" is defined twice (first at ${formatPos(dup.pos)})`, p.pos);
    const domains = childrenNamed(firstChild(p, 'domains'), 'domain').map((d) => readProfileDomain(d));
    const gateways: GatewayConf[] = [];
    const fromDirectory = domains.filter((d) => d.parse).flatMap((d) => directoryGateways(d.name));
    const own = childrenNamed(firstChild(p, 'gateways'), 'gateway').map(readGateway);
    for (const gw of [...own, ...fromDirectory]) {
      // Gateway names are global in FreeSWITCH (sofia/gateway/<name>/…), not per profile.
      const owner = gatewayOwners.get(gw.name.toLowerCase());
      if (owner) {
        throw new ConfigError(`gateway "${gw.name}" is defined twice (first in profile ${owner.profile} at ${formatPos(owner.pos)})`, gw.pos);
      }
      gatewayOwners.set(gw.name.toLowerCase(), { profile: name, pos: gw.pos });
      gateways.push(gw);
    }
    const aliases = childrenNamed(firstChild(p, 'aliases'), 'alias').map((a) => requireAttr(a, 'name'));
    profiles.push(
      new SipProfileConf({ name, params: readParamsOf(p, 'settings'), gateways, aliases, domains, pos: p.pos, defaults }),
    );
  }
  checkAddressClashes(profiles);
  return Object.freeze({
    globalSettings: readParamsOf(el, 'global_settings'),
    profiles: Object.freeze(profiles),
    pos: el?.pos,
  });
}

function readProfileDomain(d: XmlElement): ProfileDomain {
  const flag = (name: string): boolean => {
    const v = attr(d, name);
    if (v === undefined) return false;
    const b = parseBool(v);
    if (b === undefined) throw new ConfigError(`<domain> ${name} must be true or false, got "${v}"`, d.pos);
    return b;
  };
  return Object.freeze({ name: requireAttr(d, 'name'), alias: flag('alias'), parse: flag('parse'), pos: d.pos });
}

// Two profiles on one address and port cannot both bind; say so at load time, with both places.
function checkAddressClashes(profiles: readonly SipProfileConf[]): void {
  const seen = new Map<string, SipProfileConf>();
  for (const p of profiles) {
    if (p.sipPort === 0) continue;
    const key = `${p.sipIp}|${p.sipPort}`;
    const other = seen.get(key);
    if (other) {
      const where = p.params.entry('sip-port')?.pos ?? p.pos;
      throw new ConfigError(
        `profiles ${other.name} and ${p.name} both listen on ${p.sipIp}:${p.sipPort} (${other.name} at ${formatPos(other.pos)})`,
        where,
      );
    }
    seen.set(key, p);
  }
}
