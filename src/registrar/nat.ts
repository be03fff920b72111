// NAT handling of registrations as FreeSWITCH does it (spec §5.2): decide whether a REGISTER
// comes from behind NAT, where requests for a binding must be sent (the source ip:port when
// NATed — FreeSWITCH's `fs_path`), and the Contact/status strings `sofia status` and the
// events show (`…;fs_nat=yes;fs_path=…`, `Registered(UDP-NAT)`). Pure functions over plain
// values; ACLs are given as CIDR lists.

import { BlockList, isIP } from 'node:net';
import { bareHost, splitSipUri } from './contact-key.js';
import type { Binding, SipTransport } from './location-store.js';

/** A set of IPv4/IPv6 networks (`10.0.0.0/8`, `fd00::/8`, or a single address). */
export class NetworkList {
  readonly cidrs: readonly string[];
  #list = new BlockList();

  constructor(cidrs: readonly string[]) {
    const kept: string[] = [];
    for (const raw of cidrs) {
      const cidr = raw.trim();
      const slash = cidr.indexOf('/');
      const addr = slash >= 0 ? cidr.slice(0, slash) : cidr;
      const family = isIP(addr);
      if (family === 0) throw new RangeError(`not an IP network: ${raw}`);
      const type = family === 4 ? 'ipv4' : 'ipv6';
      const prefix = slash >= 0 ? Number(cidr.slice(slash + 1)) : family === 4 ? 32 : 128;
      if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128)) {
        throw new RangeError(`bad prefix length in ${raw}`);
      }
      this.#list.addSubnet(addr, prefix, type);
      kept.push(cidr);
    }
    this.cidrs = kept;
  }

  /** True when `address` (an IP literal, brackets allowed) is in one of the networks. Host names never match. */
  contains(address: string): boolean {
    const ip = bareHost(address);
    const family = isIP(ip);
    if (family === 0) return false;
    return this.#list.check(ip, family === 4 ? 'ipv4' : 'ipv6');
  }
}

/**
 * FreeSWITCH's `nat.auto` ACL: private address space (RFC 1918, and RFC 6598 carrier-grade
 * NAT) — a Contact host in it, seen from another address, is behind NAT. FreeSWITCH also takes
 * the switch's own LAN out of it; pass that LAN as `localNetworks` to get the same effect.
 */
export const NAT_AUTO_NETWORKS: readonly string[] = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10'];

/** Anything that says whether an address is in a set: a NetworkList, or an ACL seen through a closure. */
export interface AddressMatcher {
  contains(address: string): boolean;
}

export interface NatInput {
  /** Host and port of the Contact URI. */
  contactHost: string;
  contactPort?: number | undefined;
  /** Top Via sent-by host and port, and its `received` param if present. */
  viaHost: string;
  viaPort?: number | undefined;
  viaReceived?: string | undefined;
  /** Where the packet came from. */
  sourceIp: string;
  sourcePort: number;
  transport: SipTransport;
  /** `aggressive-nat-detection` (off in vanilla). */
  aggressive?: boolean;
  /** `apply-nat-acl` (vanilla `nat.auto`); default NAT_AUTO_NETWORKS. Pass [] to disable. */
  natNetworks?: AddressMatcher | readonly string[];
  /** `local-network-acl` (vanilla `localnet.auto`): a source in it is never NAT. */
  localNetworks?: AddressMatcher | readonly string[];
  /**
   * Also NAT when, over UDP, the Contact's ip:port is not where the packet came from, or the
   * Contact host is not an IP address we could send to (a name, 0.0.0.0): the source address
   * is then the only one known to reach the phone (FreeSWITCH gets there with
   * `NDLB-received-in-nat-reg-contact`). Off unless asked for.
   */
  contactMismatch?: boolean;
  /** `tcp-always-nat` / `tls-always-nat`. */
  tcpAlwaysNat?: boolean;
  tlsAlwaysNat?: boolean;
}

export type NatReason =
  | 'via-received'
  | 'via-host'
  | 'via-port'
  | 'contact-in-nat-acl'
  | 'contact-unreachable'
  | 'contact-mismatch'
  | 'tcp-always-nat'
  | 'tls-always-nat';

export interface NatResult {
  natted: boolean;
  reason: NatReason | undefined;
}

const defaultNatList = new NetworkList(NAT_AUTO_NETWORKS);

function asList(v: AddressMatcher | readonly string[] | undefined, fallback: AddressMatcher | undefined): AddressMatcher | undefined {
  if (v === undefined) return fallback;
  return isStringList(v) ? new NetworkList(v) : v;
}

function isStringList(v: AddressMatcher | readonly string[]): v is readonly string[] {
  return Array.isArray(v);
}

/** 0.0.0.0, ::, or not an IP literal: nothing we could send a request to. */
function unreachableHost(host: string): boolean {
  const h = bareHost(host);
  const family = isIP(h);
  return family === 0 || h === '0.0.0.0' || (family === 6 && /^[0:]+$/.test(h));
}

/**
 * Spec §5.2: NAT if (a) aggressive detection is on and the top Via has `received`, or its host
 * differs from the source IP, or its explicit port from the source port; or (b) the Contact host
 * is in the NAT ACL; or (c) with `contactMismatch`, the Contact cannot be reached or is not the
 * UDP source. Then never NAT when the source is on the local network — except that
 * `tcp-always-nat` / `tls-always-nat` win.
 */
export function detectNat(input: NatInput): NatResult {
  let reason: NatReason | undefined;
  if (input.aggressive) {
    // As FreeSWITCH: the port is compared only when the Via names one.
    if (input.viaReceived !== undefined) reason = 'via-received';
    else if (bareHost(input.viaHost) !== bareHost(input.sourceIp)) reason = 'via-host';
    else if (input.viaPort !== undefined && input.viaPort !== input.sourcePort) reason = 'via-port';
  }
  if (reason === undefined) {
    const nat = asList(input.natNetworks, defaultNatList);
    const local = asList(input.localNetworks, undefined);
    // nat.auto excludes the switch's own LAN: a private Contact on our LAN is not NAT.
    if (nat?.contains(input.contactHost) && !local?.contains(input.contactHost)) reason = 'contact-in-nat-acl';
  }
  if (reason === undefined && input.contactMismatch && input.transport === 'udp') {
    if (unreachableHost(input.contactHost)) reason = 'contact-unreachable';
    else if (bareHost(input.contactHost) !== bareHost(input.sourceIp) || (input.contactPort ?? 5060) !== input.sourcePort) {
      reason = 'contact-mismatch';
    }
  }
  if (reason !== undefined) {
    const local = asList(input.localNetworks, undefined);
    if (local?.contains(input.sourceIp)) reason = undefined;
  }
  if (input.transport === 'tcp' && input.tcpAlwaysNat) reason = 'tcp-always-nat';
  if (input.transport === 'tls' && input.tlsAlwaysNat) reason = 'tls-always-nat';
  return { natted: reason !== undefined, reason };
}

export interface ReachAddress {
  host: string;
  port: number;
  transport: SipTransport;
  /** Reuse this connection (TCP/TLS/WS) when it is still open. */
  connectionId: string | undefined;
}

function defaultPort(transport: SipTransport, scheme: string): number {
  if (transport === 'ws') return 80;
  if (transport === 'wss') return 443;
  return scheme === 'sips' || transport === 'tls' ? 5061 : 5060;
}

function transportParam(v: string | undefined): SipTransport | undefined {
  switch (v?.toLowerCase()) {
    case 'udp':
      return 'udp';
    case 'tcp':
      return 'tcp';
    case 'tls':
      return 'tls';
    case 'ws':
      return 'ws';
    case 'wss':
      return 'wss';
    default:
      return undefined;
  }
}

/**
 * Where to send a request for this binding (the Request-URI stays the Contact URI). NATed, or
 * registered over a connection: the source ip:port of the REGISTER (FreeSWITCH's fs_path),
 * over the same transport. Otherwise the Contact's own host:port and transport. (A Path, if
 * present, comes first: the caller routes to `path[0]` instead.)
 */
export function reachAddress(b: Pick<Binding, 'contactUri' | 'natted' | 'transport' | 'sourceIp' | 'sourcePort' | 'connectionId'>): ReachAddress {
  const connectionOriented = b.transport !== 'udp';
  if (b.natted || connectionOriented) {
    return { host: b.sourceIp, port: b.sourcePort, transport: b.transport, connectionId: b.connectionId };
  }
  const uri = splitSipUri(b.contactUri);
  if (!uri) return { host: b.sourceIp, port: b.sourcePort, transport: b.transport, connectionId: undefined };
  const transport = transportParam(uri.params.get('transport')) ?? b.transport;
  return { host: bareHost(uri.host), port: uri.port ?? defaultPort(transport, uri.scheme), transport, connectionId: undefined };
}

/** `sip:user@ip:port[;transport=x]`: the fs_path of a NATed binding, before URL-encoding. */
export function fsPath(b: Pick<Binding, 'user' | 'sourceIp' | 'sourcePort' | 'transport'>): string {
  const host = isIP(b.sourceIp) === 6 ? `[${b.sourceIp}]` : b.sourceIp;
  const t = b.transport === 'udp' ? '' : `;transport=${b.transport}`;
  return `sip:${b.user}@${host}:${b.sourcePort}${t}`;
}

/**
 * The Contact as FreeSWITCH shows and stores it: `"Display" <uri>` and, for a NATed binding,
 * `;fs_nat=yes;fs_path=<url-encoded fs path>` inside the brackets (spec §6.6).
 */
export function fsContactString(b: Pick<Binding, 'displayName' | 'contactUri' | 'natted' | 'user' | 'sourceIp' | 'sourcePort' | 'transport'>): string {
  let uri = b.contactUri;
  if (b.natted && !/;fs_path=/i.test(uri)) uri += `;fs_nat=yes;fs_path=${encodeURIComponent(fsPath(b))}`;
  return `"${b.displayName.replace(/"/g, '')}" <${uri}>`;
}

/** `Registered(UDP)`, `Registered(UDP-NAT)`, `Registered(TCP)`, `Registered(TLS-NAT)`, … */
export function registrationStatus(b: Pick<Binding, 'transport' | 'natted'>): string {
  return `Registered(${b.transport.toUpperCase()}${b.natted ? '-NAT' : ''})`;
}
