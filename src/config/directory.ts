// Typed view of the directory section (spec §2): domains with their params, variables, groups
// and users. `findUser` locates a user by id or number-alias and merges params and variables
// domain → group → user, most specific winning (FreeSWITCH's "locate_user_merged").
// `type="pointer"` entries only list group membership: they are never returned as users.

import { ConfigError } from '../common/index.js';
import { readGateway, type GatewayConf } from './gateway-conf.js';
import { NameValueSet } from './name-value-set.js';
import { parseCidrList } from './values.js';
import type { SourcePosition, XmlElement } from './xml-element.js';
import { attr, childrenNamed, firstChild, formatPos, readParamsOf, readVariablesOf, requireAttr } from './xml-util.js';

export interface DirectoryUser {
  readonly id: string;
  readonly domain: string;
  readonly numberAlias: string | undefined;
  /** `cidr` as written: calls from these blocks are this user (via the `domains` ACL). */
  readonly cidr: string | undefined;
  readonly cidrs: readonly string[];
  /** `type` attribute as written (never "pointer" here). */
  readonly type: string | undefined;
  /** The group the user's own entry sits in (undefined for users directly under the domain). */
  readonly group: string | undefined;
  readonly params: NameValueSet;
  readonly variables: NameValueSet;
  readonly gateways: readonly GatewayConf[];
  readonly pos: SourcePosition;
}

export interface DirectoryGroup {
  readonly name: string;
  readonly params: NameValueSet;
  readonly variables: NameValueSet;
  /** Member ids in document order, pointers included. */
  readonly members: readonly string[];
  readonly pos: SourcePosition;
}

export interface DirectoryDomain {
  readonly name: string;
  readonly params: NameValueSet;
  readonly variables: NameValueSet;
  /** group name → member ids (pointer entries included). */
  readonly groups: ReadonlyMap<string, readonly string[]>;
  readonly groupDetails: ReadonlyMap<string, DirectoryGroup>;
  /** lower-case id → user (pointers excluded). */
  readonly users: ReadonlyMap<string, DirectoryUser>;
  readonly pos: SourcePosition;
}

/** A located user with params and variables merged domain → group → user. */
export interface MergedUser {
  readonly id: string;
  readonly domain: string;
  readonly numberAlias: string | undefined;
  readonly cidr: string | undefined;
  readonly group: string | undefined;
  readonly params: NameValueSet;
  readonly variables: NameValueSet;
  readonly gateways: readonly GatewayConf[];
  readonly pos: SourcePosition;
  /** The user exactly as configured, before merging. */
  readonly user: DirectoryUser;
}

export class Directory {
  /** lower-case domain name → domain. */
  readonly domains: ReadonlyMap<string, DirectoryDomain>;
  /** The domain used when a lookup names none: global `domain`, else freeswitch.local. */
  readonly defaultDomain: string;
  readonly #aliases: ReadonlyMap<string, ReadonlyMap<string, DirectoryUser>>;

  constructor(domains: ReadonlyMap<string, DirectoryDomain>, defaultDomain: string) {
    this.domains = domains;
    this.defaultDomain = defaultDomain;
    const aliases = new Map<string, Map<string, DirectoryUser>>();
    for (const [key, d] of domains) {
      const byAlias = new Map<string, DirectoryUser>();
      for (const u of d.users.values()) {
        if (u.numberAlias !== undefined && !byAlias.has(u.numberAlias.toLowerCase())) {
          byAlias.set(u.numberAlias.toLowerCase(), u);
        }
      }
      aliases.set(key, byAlias);
    }
    this.#aliases = aliases;
    Object.freeze(this);
  }

  domain(name?: string): DirectoryDomain | undefined {
    return this.domains.get((name ?? this.defaultDomain).toLowerCase());
  }

  /**
   * The user whose id (or else number-alias) is `id` in `domain` (default: defaultDomain),
   * merged with its group and domain; undefined if absent or only a pointer.
   */
  findUser(id: string, domain?: string): MergedUser | undefined {
    const d = this.domain(domain);
    if (!d) return undefined;
    const key = id.toLowerCase();
    const user = d.users.get(key) ?? this.#aliases.get(d.name.toLowerCase())?.get(key);
    if (!user) return undefined;
    const group = user.group !== undefined ? d.groupDetails.get(user.group) : undefined;
    // NameValueSet lets a later entry win, so list the least specific first.
    const params = new NameValueSet([...d.params.list, ...(group?.params.list ?? []), ...user.params.list]);
    const variables = new NameValueSet([...d.variables.list, ...(group?.variables.list ?? []), ...user.variables.list]);
    return Object.freeze({
      id: user.id,
      domain: d.name,
      numberAlias: user.numberAlias,
      cidr: user.cidr,
      group: user.group,
      params,
      variables,
      gateways: user.gateways,
      pos: user.pos,
      user,
    });
  }

  /** Users of a domain that carry a `cidr` (for `domain=` ACL nodes); undefined if no such domain. */
  usersWithCidr(domain: string): { user: string; cidrs: readonly string[] }[] | undefined {
    const d = this.domains.get(domain.toLowerCase());
    if (!d) return undefined;
    const out: { user: string; cidrs: readonly string[] }[] = [];
    for (const u of d.users.values()) if (u.cidrs.length > 0) out.push({ user: `${u.id}@${d.name}`, cidrs: u.cidrs });
    return out;
  }
}

/** Build the directory from the `<domain>` elements of the directory section. */
export function readDirectory(domainEls: readonly XmlElement[], defaultDomain: string): Directory {
  const domains = new Map<string, DirectoryDomain>();
  for (const el of domainEls) {
    const d = readDomain(el);
    const existing = domains.get(d.name.toLowerCase());
    if (existing) throw new ConfigError(`domain "${d.name}" is defined twice (first at ${formatPos(existing.pos)})`, el.pos);
    domains.set(d.name.toLowerCase(), d);
  }
  return new Directory(domains, defaultDomain);
}

function readDomain(el: XmlElement): DirectoryDomain {
  const name = requireAttr(el, 'name').trim();
  const users = new Map<string, DirectoryUser>();
  const groups = new Map<string, readonly string[]>();
  const groupDetails = new Map<string, DirectoryGroup>();

  const addUsers = (usersEl: XmlElement | undefined, group: string | undefined): string[] => {
    const members: string[] = [];
    for (const u of childrenNamed(usersEl, 'user')) {
      const id = requireAttr(u, 'id').trim();
      members.push(id);
      if (attr(u, 'type')?.trim().toLowerCase() === 'pointer') continue;
      const user = readUser(u, id, name, group);
      const existing = users.get(id.toLowerCase());
      if (existing) {
        throw new ConfigError(`user ${id} is defined twice in domain ${name} (first at ${formatPos(existing.pos)})`, u.pos);
      }
      users.set(id.toLowerCase(), user);
    }
    return members;
  };

  // FreeSWITCH looks in <domain><users> first, then in every <group><users>.
  addUsers(firstChild(el, 'users'), undefined);
  for (const g of childrenNamed(firstChild(el, 'groups'), 'group')) {
    const gname = requireAttr(g, 'name');
    if (groupDetails.has(gname)) {
      throw new ConfigError(`group "${gname}" is defined twice in domain ${name} (first at ${formatPos(groupDetails.get(gname)!.pos)})`, g.pos);
    }
    const members = Object.freeze(addUsers(firstChild(g, 'users'), gname));
    groups.set(gname, members);
    groupDetails.set(
      gname,
      Object.freeze({ name: gname, params: readParamsOf(g, 'params'), variables: readVariablesOf(g), members, pos: g.pos }),
    );
  }
  return Object.freeze({
    name,
    params: readParamsOf(el, 'params'),
    variables: readVariablesOf(el),
    groups,
    groupDetails,
    users,
    pos: el.pos,
  });
}

function readUser(u: XmlElement, id: string, domain: string, group: string | undefined): DirectoryUser {
  const cidr = attr(u, 'cidr');
  let cidrs: string[] = [];
  if (cidr !== undefined && cidr.trim() !== '') {
    const parsed = parseCidrList(cidr);
    if (!parsed) throw new ConfigError(`user ${id}: cidr must be address/prefix blocks like 192.0.2.10/32, got "${cidr}"`, u.pos);
    cidrs = parsed;
  }
  const alias = attr(u, 'number-alias')?.trim();
  return Object.freeze({
    id,
    domain,
    numberAlias: alias ? alias : undefined,
    cidr,
    cidrs: Object.freeze(cidrs),
    type: attr(u, 'type'),
    group,
    params: readParamsOf(u, 'params'),
    variables: readVariablesOf(u),
    gateways: Object.freeze(childrenNamed(firstChild(u, 'gateways'), 'gateway').map(readGateway)),
    pos: u.pos,
  });
}
