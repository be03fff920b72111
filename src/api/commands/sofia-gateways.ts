// The gateway half of `sofia …` (spec §6.4, §6.7, §6.8), in FreeSWITCH's layouts: the gateway
// rows of `sofia status`, `sofia status gateway` (the table) and `sofia status gateway <name>`
// (the detail), and `sofia profile <p> killgw <gw>|_all_`, `rescan`, `restart`,
// `register <gw>|all`, `unregister <gw>|all` with mod_sofia's replies.

import type { Gateway, SofiaProfile } from '../../b2bua/index.js';

const LINE = '='.repeat(97);

/** What the switch provides for gateway commands. */
export interface SofiaGatewayHooks {
  /** Every running gateway, in configuration order. */
  list(): readonly Gateway[];
  /** Stop and forget a gateway (unregistering it first when registered). */
  kill(name: string): Promise<boolean>;
  /** Reload the XML, then create and start the profile's gateways that are new in it. */
  rescan(profile: string): Promise<{ reload: string; added: string[] }>;
  /** Reload the XML, then stop and start the profile: its calls end, its gateways start again. */
  restart(profile: string): Promise<{ reload: string }>;
}

/** A profile must have run this long before stop/restart (FreeSWITCH's guard). */
export const MIN_UPTIME_BEFORE_RESTART_SEC = 10;

function find(hooks: SofiaGatewayHooks, name: string): Gateway | undefined {
  const lower = name.toLowerCase();
  return hooks.list().find((g) => g.name.toLowerCase() === lower);
}

function retrySuffix(gw: Gateway): string {
  if (gw.state !== 'FAILED' && gw.state !== 'FAIL_WAIT' && gw.state !== 'TRYING') return '';
  const s = gw.retryInSec;
  return s !== undefined && s > 0 ? ` (retry: ${s}s)` : ' (retry: NEVER)';
}

/** The rows `sofia status` prints under a profile for its gateways. */
export function gatewayStatusRows(hooks: SofiaGatewayHooks | undefined, profile: string, row: (name: string, type: string, data: string, state: string) => string): string {
  if (!hooks) return '';
  let out = '';
  for (const gw of hooks.list()) {
    if (gw.profile.toLowerCase() !== profile.toLowerCase()) continue;
    out += row(`${gw.profile}::${gw.name}`, 'gateway', gw.shape.registerTo, gw.state).replace(/\n$/, `${retrySuffix(gw)}\n`);
  }
  return out;
}

/** `sofia status gateway [<name>]`. */
export function gatewayStatus(hooks: SofiaGatewayHooks | undefined, name: string | undefined): string {
  if (name === undefined) return gatewayTable(hooks?.list() ?? []);
  const gw = hooks && find(hooks, name);
  if (!gw) return 'Invalid Gateway!\n';
  return gatewayDetail(gw);
}

function gatewayTable(gws: readonly Gateway[]): string {
  let out = `${'Profile::Gateway-Name'.padStart(25)}\t${'    Data    '.padStart(32)}\tState\t${'Ping Time'.padStart(9)}\tIB Calls(F/T)\tOB Calls(F/T)\n`;
  out += `${LINE}\n`;
  let ibF = 0;
  let ib = 0;
  let obF = 0;
  let ob = 0;
  for (const gw of gws) {
    const c = gw.counters;
    ibF += c.failedCallsIn;
    ib += c.callsIn;
    obF += c.failedCallsOut;
    ob += c.callsOut;
    out += `${`${gw.profile}::${gw.name}`.padStart(25)}\t${gw.shape.registerTo.padStart(32)}\t${gw.state}\t${gw.pingTimeMs.toFixed(2).padStart(6)}\t${c.failedCallsIn}/${c.callsIn}\t${c.failedCallsOut}/${c.callsOut}${retrySuffix(gw)}\n`;
  }
  out += `${LINE}\n`;
  out += `${gws.length} gateway${gws.length === 1 ? '' : 's'}: Inbound(Failed/Total): ${ibF}/${ib},Outbound(Failed/Total):${obF}/${ob}\n`;
  return out;
}

function gatewayDetail(gw: Gateway): string {
  const c = gw.conf;
  const kv = (k: string, v: string | number) => `${k.padEnd(8)}\t${v}\n`;
  let out = `${LINE}\n`;
  out += kv('Name', gw.name);
  out += kv('Profile', gw.profile);
  out += kv('Scheme', 'Digest');
  out += kv('Realm', c.realm);
  out += kv('Username', c.username);
  out += kv('Password', c.password ? 'yes' : 'no');
  out += kv('From', gw.shape.registerFrom);
  out += kv('Contact', gw.contact);
  out += kv('Exten', c.extension);
  out += kv('To', gw.shape.registerTo);
  out += kv('Proxy', gw.shape.registerUri);
  out += kv('Context', gw.context);
  out += kv('Expires', c.expireSeconds);
  out += kv('Freq', gw.state === 'NOREG' ? 0 : c.expireSeconds);
  out += kv('Ping', gw.nextPingEpoch);
  out += kv('PingFreq', gw.pingSec);
  out += kv('PingTime', gw.pingTimeMs.toFixed(2));
  out += kv('PingState', `${gw.pingMin}/${gw.pingCount}/${gw.pingMax}`);
  out += kv('State', gw.state);
  out += kv('Status', `${gw.status}${gw.pinging ? ' (ping)' : ''}`);
  out += kv('Uptime', `${gw.uptimeSec}s`);
  out += kv('CallsIN', gw.counters.callsIn);
  out += kv('CallsOUT', gw.counters.callsOut);
  out += kv('FailedCallsIN', gw.counters.failedCallsIn);
  out += kv('FailedCallsOUT', gw.counters.failedCallsOut);
  out += `${LINE}\n`;
  return out;
}

/**
 * `sofia profile <p> killgw|rescan|restart|register|unregister …`; undefined when `what` is
 * none of them.
 */
export async function gatewayProfileCommand(
  hooks: SofiaGatewayHooks | undefined,
  p: SofiaProfile,
  what: string,
  arg: string | undefined,
  nowMs: number = Date.now(),
): Promise<string | undefined> {
  switch (what) {
    case 'killgw': {
      if (!hooks) return '-ERR no such gateway.\n';
      if (!arg) return '-ERR missing gw name\n';
      if (arg.toLowerCase() === '_all_') {
        for (const gw of hooks.list().filter((g) => g.profile.toLowerCase() === p.name.toLowerCase())) await hooks.kill(gw.name);
        return '+OK every gateway marked for deletion.\n';
      }
      const gw = find(hooks, arg);
      if (!gw || gw.profile.toLowerCase() !== p.name.toLowerCase()) return '-ERR no such gateway.\n';
      await hooks.kill(gw.name);
      return '+OK gateway marked for deletion.\n';
    }
    case 'rescan': {
      if (!hooks) return `-ERR cannot find config for profile ${p.name}\n`;
      const r = await hooks.rescan(p.name);
      return `Reload XML [${r.reload}]\n+OK scan complete\n`;
    }
    case 'restart': {
      const up = Math.floor((nowMs - p.startedAt) / 1000);
      if (p.running && up < MIN_UPTIME_BEFORE_RESTART_SEC) {
        const remain = MIN_UPTIME_BEFORE_RESTART_SEC - up;
        return `Profile ${p.name} must be up for at least ${MIN_UPTIME_BEFORE_RESTART_SEC} seconds to stop/restart.\nPlease wait ${remain} second${remain === 1 ? '' : 's'}\n`;
      }
      if (!hooks) return `-ERR cannot restart ${p.name}\n`;
      const r = await hooks.restart(p.name);
      return `Reload XML [${r.reload}]\nrestarting: ${p.name}\n`;
    }
    case 'register':
    case 'unregister': {
      if (!arg) return 'No gateway name provided!\n';
      const mine = (hooks?.list() ?? []).filter((g) => g.profile.toLowerCase() === p.name.toLowerCase());
      const act = (gw: Gateway) => (what === 'register' ? gw.register() : gw.unregister());
      if (arg.toLowerCase() === 'all') {
        for (const gw of mine) if (gw.conf.register) act(gw);
        return '+OK\n';
      }
      const gw = mine.find((g) => g.name.toLowerCase() === arg.toLowerCase());
      if (!gw) return 'Invalid gateway!\n';
      if (!act(gw)) return `-ERR NOREG gateway [${arg}] can't be ${what}ed!\n`;
      return '+OK\n';
    }
    default:
      return undefined;
  }
}
