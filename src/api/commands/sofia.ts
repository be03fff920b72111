// `sofia …`: the SIP profiles seen from the console, in FreeSWITCH's text layouts (spec §6.4,
// §6.5, §6.6, §6.8): `sofia status`, `sofia status profile <name> [reg|user …]`,
// `sofia global siptrace on|off`, `sofia profile <name> siptrace on|off`,
// `sofia profile <name> flush_inbound_reg [call-id|user@domain]`, `sofia loglevel`,
// `sofia tracelevel`, `sofia help`. Registrations and gateways plug in through the optional hooks
// (the gateway layouts and commands are in sofia-gateways.ts).

import type { LogTap } from '../../common/index.js';
import { FS_LOG_LEVEL_NAMES, parseFsLogLevel, type FsLogLevel } from '../../common/index.js';
import type { SofiaProfile } from '../../b2bua/index.js';
import { formatTraceEntry, type TraceEntry } from '../../sip/index.js';
import type { ApiCommand } from '../registry.js';
import { gatewayProfileCommand, gatewayStatus, gatewayStatusRows, type SofiaGatewayHooks } from './sofia-gateways.js';

const LINE = '='.repeat(97);

export interface SofiaApiDeps {
  /** The running profiles, in configuration order. */
  profiles(): readonly SofiaProfile[];
  /** Alias names per profile (domains aliased to internal, profile `<aliases>`). */
  aliases(): ReadonlyArray<{ alias: string; profile: string }>;
  /** Where SIP traces go: the console log stream. */
  logTap: LogTap;
  /** Registrations on a profile (0 without a registrar). */
  registrationCount?(profile: string): number | Promise<number>;
  /** Channels in use on a profile (the number after RUNNING). */
  channelsInUse?(profile: string): number;
  /** Map `sofia loglevel` onto the SIP stack's log verbosity (0 = normal, ≥ 1 debug). */
  setStackDebug?(level: number): void;
  /**
   * The registrations block of `sofia status profile <p> reg [<contact-substring>]` (sub `reg`)
   * or `… user <user@host>` (sub `user`).
   */
  registrations?(profile: string, sub: 'reg' | 'user', arg: string | undefined): string | Promise<string>;
  /** `sofia profile <p> flush_inbound_reg [call-id|user@domain]`: drop registrations; returns how many. */
  flushRegistrations?(profile: string, what: string | undefined): number | Promise<number>;
  /** Gateways: status rows and layouts, killgw, rescan, restart, register/unregister. */
  gateways?: SofiaGatewayHooks;
}

/** Routes SIP traces of chosen profiles to the log stream, once per profile. */
export class SiptraceControl {
  #global = false;
  readonly #perProfile = new Map<string, () => void>();
  #level: FsLogLevel = 0;
  readonly #tap: LogTap;

  constructor(tap: LogTap) {
    this.#tap = tap;
  }

  get global(): boolean {
    return this.#global;
  }

  get level(): FsLogLevel {
    return this.#level;
  }

  set level(l: FsLogLevel) {
    this.#level = l;
  }

  isOn(profile: string): boolean {
    return this.#perProfile.has(profile);
  }

  setGlobal(on: boolean, profiles: readonly SofiaProfile[]): void {
    this.#global = on;
    for (const p of profiles) this.setProfile(p, on);
  }

  setProfile(profile: SofiaProfile, on: boolean): void {
    const current = this.#perProfile.get(profile.name);
    if (on && !current) {
      const unsubscribe = profile.trace.subscribe((e: TraceEntry) => {
        this.#tap.publishRaw(this.#level, formatTraceEntry(e), { file: 'sofia.c', func: 'siptrace' });
      });
      this.#perProfile.set(profile.name, unsubscribe);
    } else if (!on && current) {
      current();
      this.#perProfile.delete(profile.name);
    }
  }
}

export function sofiaCommand(deps: SofiaApiDeps, trace: SiptraceControl): ApiCommand {
  return {
    module: 'mod_sofia',
    description: 'Sofia SIP stack control',
    usage: 'status|global|profile|loglevel|tracelevel|help',
    handler(args: string): string | Promise<string> {
      const argv = args.split(/\s+/).filter((a) => a !== '');
      const cmd = (argv[0] ?? '').toLowerCase();
      switch (cmd) {
        case 'status':
          return status(deps, argv.slice(1));
        case 'global':
          return global(deps, trace, argv.slice(1));
        case 'profile':
          return profile(deps, trace, argv.slice(1));
        case 'loglevel':
          return loglevel(deps, argv.slice(1));
        case 'tracelevel': {
          const l = argv[1] === undefined ? undefined : parseFsLogLevel(argv[1]);
          if (l === undefined) return `-ERR Usage: sofia tracelevel <console|alert|crit|err|warning|notice|info|debug>\n`;
          trace.level = l;
          return `+OK tracelevel is ${FS_LOG_LEVEL_NAMES[l]}\n`;
        }
        default:
          return USAGE;
      }
    },
  };
}

const USAGE = `USAGE:
--------------------------------------------------------------------------------
sofia global siptrace <on|off>
sofia help
sofia loglevel <all|default|tport|iptsec|nea|nta|nth_client|nth_server|nua|soa|sresolv|stun> [0-9]
sofia profile <profile_name> siptrace <on|off>
sofia profile <profile_name> flush_inbound_reg [<call_id>|<user@domain>]
sofia profile <profile_name> [rescan|restart]
sofia profile <profile_name> killgw <gateway name>|_all_
sofia profile <profile_name> [register|unregister] <gateway name>|all
sofia status
sofia status profile <name> [reg [<contact str>]]
sofia status gateway [<name>]
sofia tracelevel <console|alert|crit|err|warning|notice|info|debug>
--------------------------------------------------------------------------------
`;

function row(name: string, type: string, data: string, state: string): string {
  return `${name.padStart(25)}\t${type}\t  ${data.padStart(40)}\t${state}\n`;
}

function status(deps: SofiaApiDeps, argv: string[]): string | Promise<string> {
  if (argv[0]?.toLowerCase() === 'gateway') return gatewayStatus(deps.gateways, argv[1]);
  if (argv.length === 1) return 'Invalid Syntax!\n';
  if (argv.length >= 2) {
    const what = argv[0]!.toLowerCase();
    if (what === 'profile') return profileStatus(deps, argv[1]!, argv.slice(2));
    return 'Invalid Syntax!\n';
  }
  let out = row('Name', '   Type', 'Data', 'State');
  out += `${LINE}\n`;
  let profiles = 0;
  let aliases = 0;
  for (const p of deps.profiles()) {
    out += row(p.name, 'profile', p.url, `${p.running ? 'RUNNING' : 'DOWN'} (${deps.channelsInUse?.(p.name) ?? 0})`);
    out += gatewayStatusRows(deps.gateways, p.name, row);
    profiles++;
    for (const a of deps.aliases()) {
      if (a.profile !== p.name) continue;
      out += row(a.alias, '  alias', p.name, 'ALIASED');
      aliases++;
    }
  }
  out += `${LINE}\n`;
  out += `${profiles} profile${profiles === 1 ? '' : 's'} ${aliases} alias${aliases === 1 ? '' : 'es'}\n`;
  return out;
}

async function profileStatus(deps: SofiaApiDeps, name: string, rest: string[]): Promise<string> {
  const p = deps.profiles().find((x) => x.name.toLowerCase() === name.toLowerCase());
  if (!p) return 'Invalid Profile!\n';
  const sub = rest[0]?.toLowerCase();
  if (sub === 'reg' || sub === 'user') {
    if (deps.registrations) return deps.registrations(p.name, sub, rest[1]);
    if (sub === 'user' && rest[1] === undefined) return '';
    return `\nRegistrations:\n${LINE}\nTotal items returned: 0\n${LINE}\n`;
  }
  const c = p.conf;
  const kv = (k: string, v: string | number) => `${k.padEnd(17)}\t${v}\n`;
  let out = `${LINE}\n`;
  out += kv('Name', p.name);
  out += kv('Domain Name', 'N/A');
  out += kv('Auto-NAT', 'false');
  out += kv('DBName', `sofia_reg_${p.name}`);
  out += kv('Pres Hosts', c.param('presence-hosts') ?? '');
  out += kv('Dialplan', c.dialplan);
  out += kv('Context', c.context);
  out += kv('Challenge Realm', c.param('challenge-realm') ?? 'auto_to');
  out += kv('RTP-IP', c.rtpIp);
  if (c.extRtpIp) out += kv('Ext-RTP-IP', c.extRtpIp);
  out += kv('SIP-IP', c.sipIp);
  if (c.extSipIp) out += kv('Ext-SIP-IP', c.extSipIp);
  out += kv('URL', p.url);
  out += kv('BIND-URL', p.bindUrl);
  out += kv('HOLD-MUSIC', c.param('hold-music') ?? 'N/A');
  out += kv('OUTBOUND-PROXY', c.param('outbound-proxy') ?? 'N/A');
  out += kv('CODECS IN', c.param('inbound-codec-prefs') ?? '');
  out += kv('CODECS OUT', c.param('outbound-codec-prefs') ?? '');
  out += kv('TEL-EVENT', c.int('rfc2833-pt', 101));
  out += kv('DTMF-MODE', (c.param('dtmf-type') ?? 'rfc2833').toLowerCase());
  out += kv('CNG', 13);
  out += kv('SESSION-TO', c.int('session-timeout', 0));
  out += kv('MAX-DIALOG', 0);
  out += kv('NOMEDIA', c.bool('inbound-bypass-media', false) ? 'true' : 'false');
  out += kv('LATE-NEG', c.bool('inbound-late-negotiation', false) ? 'true' : 'false');
  out += kv('PROXY-MEDIA', c.bool('inbound-proxy-media', false) ? 'true' : 'false');
  out += kv('AGGRESSIVENAT', c.bool('aggressive-nat-detection', false) ? 'true' : 'false');
  out += kv('CALLS-IN', p.counters.callsIn);
  out += kv('FAILED-CALLS-IN', p.counters.failedCallsIn);
  out += kv('CALLS-OUT', p.counters.callsOut);
  out += kv('FAILED-CALLS-OUT', p.counters.failedCallsOut);
  out += kv('REGISTRATIONS', (await deps.registrationCount?.(p.name)) ?? 0);
  return out;
}

function global(deps: SofiaApiDeps, trace: SiptraceControl, argv: string[]): string {
  const what = argv[0]?.toLowerCase();
  const onoff = argv[1]?.toLowerCase();
  if (what === 'siptrace' && (onoff === 'on' || onoff === 'off')) {
    trace.setGlobal(onoff === 'on', deps.profiles());
    return `+OK Global siptrace ${onoff}\n`;
  }
  return `-ERR Usage: sofia global siptrace <on|off>\n`;
}

function profile(deps: SofiaApiDeps, trace: SiptraceControl, argv: string[]): string | Promise<string> {
  if (argv.length < 2) return 'Invalid Args!\n';
  const p = deps.profiles().find((x) => x.name.toLowerCase() === argv[0]!.toLowerCase());
  if (!p) return `Invalid Profile [${argv[0]}]\n`;
  const what = argv[1]!.toLowerCase();
  if (what === 'siptrace') {
    const onoff = argv[2]?.toLowerCase();
    if (onoff === 'on') {
      trace.setProfile(p, true);
      return `Enabled sip debugging on ${p.name}\n`;
    }
    if (onoff === 'off') {
      trace.setProfile(p, false);
      return `Disabled sip debugging on ${p.name}\n`;
    }
    return `-ERR Usage: sofia profile ${p.name} siptrace <on|off>\n`;
  }
  if (what === 'flush_inbound_reg') return flushInboundReg(deps, p.name, argv[2]);
  if (['killgw', 'rescan', 'restart', 'register', 'unregister'].includes(what)) {
    return gatewayProfileCommand(deps.gateways, p, what, argv[2]).then((r) => r ?? `-ERR Unknown command [${what}]\n`);
  }
  return `-ERR Unknown command [${what}]\n`;
}

const SOFIA_COMPONENTS = ['all', 'default', 'tport', 'iptsec', 'nea', 'nta', 'nth_client', 'nth_server', 'nua', 'soa', 'sresolv', 'stun'];
const sofiaLevels = new Map<string, number>();

function loglevel(deps: SofiaApiDeps, argv: string[]): string {
  const comp = argv[0]?.toLowerCase();
  if (!comp || !SOFIA_COMPONENTS.includes(comp)) return USAGE;
  if (argv[1] === undefined) return `Sofia-sip loglevel for [${comp}] is [${sofiaLevels.get(comp) ?? 0}]\n`;
  const n = Number(argv[1]);
  if (!Number.isInteger(n) || n < 0 || n > 9) return USAGE;
  if (comp === 'all') for (const c of SOFIA_COMPONENTS) sofiaLevels.set(c, n);
  else sofiaLevels.set(comp, n);
  deps.setStackDebug?.(Math.max(...sofiaLevels.values()));
  return `Sofia log level for component [${comp}] has been set to [${n}]\n`;
}

async function flushInboundReg(deps: SofiaApiDeps, profile: string, what: string | undefined): Promise<string> {
  await deps.flushRegistrations?.(profile, what);
  if (what === undefined) return '+OK flushing all registrations\n';
  if (what.includes('@')) return '+OK flushing all registrations matching specified user@host\n';
  return '+OK flushing all registrations matching specified call_id\n';
}
