// Registrations as the console shows them: the `reg` block of `sofia status profile <p> reg`
// (spec §6.6, FreeSWITCH's exact layout) and the rows of `show registrations` (spec §6.3).
// Reads the registrars through a small view interface; formats only, decides nothing.

import type { StoredBinding } from '../../registrar/index.js';
import { fsContactString, fsPath, registrationStatus } from '../../registrar/index.js';
import { strftime } from './strftime.js';
import type { ShowSource } from './show.js';

const LINE = '='.repeat(97);

/** What the console needs from a profile's registrar (SipRegistrar has it). */
export interface RegistrationView {
  readonly profileName: string;
  bindings(filter?: { contains?: string; user?: string; domain?: string }): Promise<StoredBinding[]>;
  count(): Promise<number>;
  pingTimeMs(b: StoredBinding): number | undefined;
  flush(what?: string): Promise<number>;
}

export interface RegBlockOptions {
  /** The switch's host name (the `Host:` line). */
  hostname: string;
  nowSec: number;
  pingTimeMs?: (b: StoredBinding) => number | undefined;
}

/**
 * The registrations block, byte for byte FreeSWITCH's: a blank line, `Registrations:`, a line of
 * 97 `=`, one entry per binding each ending with an empty line, `Total items returned: N`, and
 * the `=` line again.
 */
export function formatRegBlock(bindings: readonly StoredBinding[], opts: RegBlockOptions): string {
  let out = `\nRegistrations:\n${LINE}\n`;
  for (const b of bindings) {
    const expSecs = b.expiresAt - opts.nowSec;
    const ping = opts.pingTimeMs?.(b) ?? 0;
    out +=
      `Call-ID:    \t${b.callId}\n` +
      `User:       \t${b.user}@${b.domain}\n` +
      `Contact:    \t${fsContactString(b)}\n` +
      `Agent:      \t${b.userAgent}\n` +
      `Status:     \t${registrationStatus(b)}(unknown) EXP(${strftime('%Y-%m-%d %T', new Date(b.expiresAt * 1000))}) EXPSECS(${expSecs})\n` +
      `Ping-Status:\t${b.pingStatus}\n` +
      `Ping-Time:\t${ping.toFixed(2)}\n` +
      `Host:       \t${opts.hostname}\n` +
      `IP:         \t${b.sourceIp}\n` +
      `Port:       \t${b.sourcePort}\n` +
      `Auth-User:  \t${b.authUser}\n` +
      `Auth-Realm: \t${b.authRealm}\n` +
      `MWI-Account:\t${b.user}@${b.domain}\n\n`;
  }
  return `${out}Total items returned: ${bindings.length}\n${LINE}\n`;
}

/**
 * `sofia status profile <p> reg [<contact-substring>]` and `… user <user@host>`. With `user`
 * and no argument FreeSWITCH prints nothing; so do we.
 */
export async function registrationsText(view: RegistrationView, sub: 'reg' | 'user', arg: string | undefined, opts: Omit<RegBlockOptions, 'pingTimeMs'>): Promise<string> {
  let bindings: StoredBinding[];
  if (sub === 'user') {
    if (arg === undefined) return '';
    const at = arg.indexOf('@');
    const user = at < 0 ? undefined : arg.slice(0, at);
    const host = at < 0 ? arg : arg.slice(at + 1);
    bindings = await view.bindings({ user: user || undefined, domain: host || undefined });
  } else {
    bindings = await view.bindings(arg === undefined ? {} : { contains: arg });
  }
  return formatRegBlock(bindings, { ...opts, pingTimeMs: (b) => view.pingTimeMs(b) });
}

/** The `sofia/<profile>/<contact>` URL FreeSWITCH lists for a registration (NAT path included). */
export function registrationUrl(b: StoredBinding): string {
  let uri = b.contactUri;
  if (b.natted && !/;fs_path=/i.test(uri)) uri += `;fs_nat=yes;fs_path=${encodeURIComponent(fsPath(b))}`;
  return `sofia/${b.profile ?? ''}/${uri}`;
}

export const REGISTRATION_COLUMNS = [
  'reg_user', 'realm', 'token', 'url', 'expires', 'network_ip', 'network_port', 'network_proto', 'hostname', 'metadata',
] as const;

/** `show registrations`: every binding of every profile. */
export function registrationsShowSource(views: () => Iterable<RegistrationView>, hostname: () => string): ShowSource {
  return {
    columns: REGISTRATION_COLUMNS,
    async rows() {
      const out: string[][] = [];
      const host = hostname();
      for (const v of views()) {
        for (const b of await v.bindings()) {
          out.push([b.user, b.domain, b.callId, registrationUrl(b), String(b.expiresAt), b.sourceIp, String(b.sourcePort), b.transport, host, '']);
        }
      }
      return out;
    },
    async count() {
      let n = 0;
      for (const v of views()) n += await v.count();
      return n;
    },
  };
}
