// Evaluates the ACL lists of acl.conf (and the built-in `*.auto` lists and literal CIDRs) for
// an address, as FreeSWITCH's switch_core_ip_access does: the most specific matching node
// decides (longest prefix), the list's default applies when none matches. A `domain` node
// matches the users of that directory domain who carry a cidr, and reports which user matched.

import { isIP } from 'node:net';
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import type { AclConf, AclList } from './acl-conf.js';

export interface AclResult {
  readonly allowed: boolean;
  /** For a match through a `domain` node: the `user@domain` whose cidr matched. */
  readonly user?: string;
}

interface Rule {
  readonly allow: boolean;
  readonly net: Net;
  readonly user?: string;
}

interface Net {
  readonly family: 4 | 6;
  readonly base: bigint;
  readonly bits: number;
}

export class AclEvaluator {
  readonly #lists = new Map<string, { def: boolean; rules: Rule[] }>();

  constructor(acl: AclConf, interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces()) {
    for (const [key, list] of acl.lists) this.#lists.set(key, compileList(list));
    for (const [key, value] of Object.entries(builtInLists(interfaces))) this.#lists.set(key, value);
  }

  /** Is `ip` allowed by the list (or literal CIDR) `name`? Unknown names deny. */
  check(name: string, ip: string): AclResult {
    const addr = toNet(stripMapped(ip), undefined);
    if (!addr) return { allowed: false };
    const key = name.trim().toLowerCase();
    let list = this.#lists.get(key);
    if (!list && key.includes('/')) list = cidrList(key);
    if (!list) return { allowed: false };
    let best: Rule | undefined;
    for (const rule of list.rules) {
      if (rule.net.family !== addr.family || !contains(rule.net, addr.base)) continue;
      if (!best || rule.net.bits > best.net.bits) best = rule;
    }
    if (!best) return { allowed: list.def };
    return best.user ? { allowed: best.allow, user: best.user } : { allowed: best.allow };
  }

  has(name: string): boolean {
    return this.#lists.has(name.trim().toLowerCase());
  }
}

function compileList(list: AclList): { def: boolean; rules: Rule[] } {
  const rules: Rule[] = [];
  for (const node of list.nodes) {
    const allow = node.type === 'allow';
    for (const c of node.cidrs ?? []) {
      const net = parseNet(c);
      if (net) rules.push({ allow, net });
    }
    if (node.host && node.mask) {
      const net = toNet(node.host, maskBits(node.mask));
      if (net) rules.push({ allow, net });
    }
    for (const u of node.domainUsers ?? []) {
      for (const c of u.cidrs) {
        const net = parseNet(c);
        if (net) rules.push({ allow, net, user: u.user });
      }
    }
  }
  return { def: list.default === 'allow', rules };
}

function cidrList(text: string): { def: boolean; rules: Rule[] } | undefined {
  const rules: Rule[] = [];
  for (const part of text.split(',')) {
    const net = parseNet(part.trim());
    if (!net) return undefined;
    rules.push({ allow: true, net });
  }
  return { def: false, rules };
}

const PRIVATE_V4 = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'];

function builtInLists(interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>): Record<string, { def: boolean; rules: Rule[] }> {
  const local: Net[] = [];
  for (const infos of Object.values(interfaces)) {
    for (const info of infos ?? []) {
      if (info.internal || !info.cidr) continue;
      const net = parseNet(info.cidr);
      if (net) local.push(net);
    }
  }
  const nets = (list: string[]) => list.map((c) => parseNet(c)!).filter(Boolean);
  const allow = (ns: Net[]) => ns.map((net) => ({ allow: true, net }));
  const deny = (ns: Net[]) => ns.map((net) => ({ allow: false, net }));
  const loopback = nets(['127.0.0.0/8', '::1/128']);
  const rfc1918 = nets(PRIVATE_V4);
  return {
    'loopback.auto': { def: false, rules: allow(loopback) },
    'localnet.auto': { def: false, rules: allow(local) },
    // Private ranges except our own networks: a phone there is behind NAT from our view.
    'nat.auto': { def: false, rules: [...allow(rfc1918), ...deny(local.filter((n) => n.family === 4))] },
    'rfc1918.auto': { def: false, rules: allow(rfc1918) },
    'rfc6598.auto': { def: false, rules: allow(nets(['100.64.0.0/10'])) },
    'wan.auto': { def: true, rules: deny([...rfc1918, ...loopback, ...nets(['100.64.0.0/10', '169.254.0.0/16', 'fe80::/10', 'fc00::/7'])]) },
    'wan_v4.auto': { def: true, rules: deny([...rfc1918, ...nets(['127.0.0.0/8', '100.64.0.0/10', '169.254.0.0/16', '::/0'])]) },
    'wan_v6.auto': { def: true, rules: deny(nets(['::1/128', 'fe80::/10', 'fc00::/7', '0.0.0.0/0'])) },
    'any_v4.auto': { def: false, rules: allow(nets(['0.0.0.0/0'])) },
    'any_v6.auto': { def: false, rules: allow(nets(['::/0'])) },
  };
}

function parseNet(cidr: string): Net | undefined {
  const slash = cidr.indexOf('/');
  const addr = slash < 0 ? cidr : cidr.slice(0, slash);
  const bits = slash < 0 ? undefined : Number(cidr.slice(slash + 1));
  return toNet(stripMapped(addr), bits);
}

function toNet(addr: string, bits: number | undefined): Net | undefined {
  const family = isIP(addr);
  if (family === 4) {
    const b = bits ?? 32;
    if (!Number.isInteger(b) || b < 0 || b > 32) return undefined;
    let v = 0n;
    for (const part of addr.split('.')) v = (v << 8n) | BigInt(Number(part));
    return { family: 4, base: mask(v, b, 32), bits: b };
  }
  if (family === 6) {
    const b = bits ?? 128;
    if (!Number.isInteger(b) || b < 0 || b > 128) return undefined;
    return { family: 6, base: mask(v6ToBigInt(addr), b, 128), bits: b };
  }
  return undefined;
}

function mask(v: bigint, bits: number, width: number): bigint {
  if (bits === 0) return 0n;
  const m = ((1n << BigInt(bits)) - 1n) << BigInt(width - bits);
  return v & m;
}

function contains(net: Net, value: bigint): boolean {
  return mask(value, net.bits, net.family === 4 ? 32 : 128) === net.base;
}

function v6ToBigInt(addr: string): bigint {
  let text = addr;
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  // Expand an embedded IPv4 tail into two groups.
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const p = tail.split('.').map(Number);
    text = `${text.slice(0, lastColon + 1)}${((p[0]! << 8) | p[1]!).toString(16)}:${((p[2]! << 8) | p[3]!).toString(16)}`;
  }
  const [head, rest] = text.includes('::') ? text.split('::') as [string, string] : [text, undefined];
  const h = head ? head.split(':') : [];
  const r = rest !== undefined && rest !== '' ? rest.split(':') : [];
  const groups = rest === undefined ? h : [...h, ...Array(8 - h.length - r.length).fill('0'), ...r];
  let v = 0n;
  for (const g of groups) v = (v << 16n) | BigInt(parseInt(g || '0', 16));
  return v;
}

function maskBits(maskText: string): number | undefined {
  const net = toNet(maskText, undefined);
  if (!net) return undefined;
  let bits = 0;
  const width = net.family === 4 ? 32 : 128;
  for (let i = width - 1; i >= 0; i--) {
    if ((net.base >> BigInt(i)) & 1n) bits++;
    else break;
  }
  return bits;
}

/** `::ffff:10.0.0.1` → `10.0.0.1`. */
function stripMapped(ip: string): string {
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}

