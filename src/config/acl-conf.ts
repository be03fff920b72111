// Typed view of `autoload_configs/acl.conf.xml`: named network lists, each with a default
// action and ordered allow/deny nodes given as CIDR blocks, host+mask, or `domain="D"` (every
// user of directory domain D that has a `cidr` attribute; resolved here against the directory).
// The `*.auto` lists (loopback.auto, localnet.auto, nat.auto, …) are built into the ACL module
// and computed from the host's interfaces at run time; they are not defined in this file.

import { ConfigError } from '../common/index.js';
import { parseCidrList, isIpAddress } from './values.js';
import type { SourcePosition, XmlElement } from './xml-element.js';
import { attr, childrenNamed, firstChild, formatPos, requireAttr } from './xml-util.js';

export type AclAction = 'allow' | 'deny';

/** Lists every ACL consumer knows without configuration (FreeSWITCH names). */
export const BUILT_IN_ACL_LISTS: readonly string[] = Object.freeze([
  'loopback.auto',
  'localnet.auto',
  'nat.auto',
  'rfc1918.auto',
  'rfc6598.auto',
  'wan.auto',
  'wan_v4.auto',
  'wan_v6.auto',
  'any_v4.auto',
  'any_v6.auto',
]);

export interface AclDomainUser {
  /** `id@domain`, the token an ACL match reports (FreeSWITCH's behaviour). */
  readonly user: string;
  readonly cidrs: readonly string[];
}

export interface AclNode {
  readonly type: AclAction;
  /** `cidr` as written (may hold several blocks separated by commas). */
  readonly cidr?: string;
  /** The blocks of `cidr`, validated. */
  readonly cidrs?: readonly string[];
  readonly host?: string;
  readonly mask?: string;
  readonly domain?: string;
  /** For `domain` nodes: the users of that domain that have a `cidr`. */
  readonly domainUsers?: readonly AclDomainUser[];
  readonly pos: SourcePosition;
}

export interface AclList {
  readonly name: string;
  readonly default: AclAction;
  readonly nodes: readonly AclNode[];
  readonly pos: SourcePosition;
}

export interface AclConf {
  /** lower-case list name → list. */
  readonly lists: ReadonlyMap<string, AclList>;
  list(name: string): AclList | undefined;
  /** True for a configured list, a built-in `*.auto` list, or a literal CIDR. */
  isKnown(nameOrCidr: string): boolean;
}

/** Resolves `domain="D"` nodes: the users of D with a cidr, or undefined if D does not exist. */
export type DomainUserResolver = (domain: string) => readonly AclDomainUser[] | undefined;

export function readAclConf(
  el: XmlElement | undefined,
  resolveDomain: DomainUserResolver,
  warn: (message: string, pos: SourcePosition) => void,
): AclConf {
  const lists = new Map<string, AclList>();
  for (const listEl of childrenNamed(firstChild(el, 'network-lists'), 'list')) {
    const name = requireAttr(listEl, 'name');
    const key = name.toLowerCase();
    const existing = lists.get(key);
    if (existing) throw new ConfigError(`ACL list "${name}" is defined twice (first at ${formatPos(existing.pos)})`, listEl.pos);
    if (BUILT_IN_ACL_LISTS.includes(key)) {
      throw new ConfigError(`"${name}" is a built-in ACL list and cannot be redefined`, listEl.pos);
    }
    const def = readAction(listEl, 'default', 'deny');
    const nodes = childrenNamed(listEl, 'node').map((n) => readNode(n, resolveDomain, warn));
    lists.set(key, Object.freeze({ name, default: def, nodes: Object.freeze(nodes), pos: listEl.pos }));
  }
  return Object.freeze({
    lists,
    list: (name: string) => lists.get(name.toLowerCase()),
    isKnown: (name: string) => isKnownAcl(lists, name),
  });
}

function isKnownAcl(lists: ReadonlyMap<string, AclList>, name: string): boolean {
  const key = name.trim().toLowerCase();
  if (lists.has(key) || BUILT_IN_ACL_LISTS.includes(key)) return true;
  // FreeSWITCH accepts a CIDR wherever a list name goes.
  return key.includes('/') && parseCidrList(key) !== undefined;
}

function readAction(el: XmlElement, name: string, fallback: AclAction): AclAction {
  const v = attr(el, name);
  if (v === undefined) return fallback;
  const a = v.trim().toLowerCase();
  if (a !== 'allow' && a !== 'deny') {
    throw new ConfigError(`<${el.name}> ${name} must be allow or deny, got "${v}"`, el.pos);
  }
  return a;
}

function readNode(n: XmlElement, resolveDomain: DomainUserResolver, warn: (m: string, p: SourcePosition) => void): AclNode {
  if (attr(n, 'type') === undefined) throw new ConfigError('<node> needs type="allow" or type="deny"', n.pos);
  const type = readAction(n, 'type', 'deny');
  const cidr = attr(n, 'cidr');
  const host = attr(n, 'host');
  const mask = attr(n, 'mask');
  const domain = attr(n, 'domain');
  if (cidr !== undefined) {
    const cidrs = parseCidrList(cidr);
    if (!cidrs) throw new ConfigError(`<node> cidr must be address/prefix blocks like 10.0.0.0/8, got "${cidr}"`, n.pos);
    return Object.freeze({ type, cidr, cidrs: Object.freeze(cidrs), pos: n.pos });
  }
  if (host !== undefined || mask !== undefined) {
    if (host === undefined || mask === undefined || !isIpAddress(host.trim()) || !isIpAddress(mask.trim())) {
      throw new ConfigError('<node> with host= also needs mask=, both IP addresses (e.g. host="10.0.0.0" mask="255.0.0.0")', n.pos);
    }
    return Object.freeze({ type, host: host.trim(), mask: mask.trim(), pos: n.pos });
  }
  if (domain !== undefined) {
    const users = resolveDomain(domain.trim());
    if (!users) warn(`ACL node refers to domain "${domain}", which is not in the directory`, n.pos);
    return Object.freeze({ type, domain: domain.trim(), domainUsers: Object.freeze([...(users ?? [])]), pos: n.pos });
  }
  throw new ConfigError('<node> needs cidr="…", host="…" mask="…", or domain="…"', n.pos);
}
