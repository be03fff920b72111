// The SIP shapes of a gateway (spec §5.6), computed once from its configuration: where it is
// (proxy, register-proxy, outbound-proxy as host[:port]), the REGISTER we send (Request-URI
// `sip:<register-proxy>`, To/From `<sip:<from-user>@<from-domain>>`, Contact
// `<sip:gw+<name>@<our address>;transport=…;gw=<name>>`, Expires), the OPTIONS ping, and how
// long a 200 OK says we are registered for (RFC 3261 §10.2.4: our Contact's `expires`, else
// the Expires header, else what we asked). No state and no sending here: gateway.ts does that.

import { isIP } from 'node:net';
import { ConfigError } from '../../common/index.js';
import type { GatewayConf, SipTransportName } from '../../config/index.js';
import { SipRequest, SipUri, newCallId, newTag, type SipResponse } from '../../sip/index.js';

/** A host with an optional port, as written in `proxy`, `register-proxy`, `outbound-proxy`. */
export interface HostPort {
  host: string;
  /** Undefined when the param named no port (5060 is used to send, any port matches inbound). */
  port: number | undefined;
}

/**
 * `host`, `host:port`, `[v6]:port`, `v6`, optionally with a `sip:` scheme and `;params`
 * (FreeSWITCH accepts all of these). Undefined for text that names no host.
 */
export function parseHostPort(text: string): HostPort | undefined {
  let t = text.trim().replace(/^sips?:/i, '');
  const at = t.lastIndexOf('@');
  if (at >= 0) t = t.slice(at + 1);
  const semi = t.indexOf(';');
  if (semi >= 0) t = t.slice(0, semi);
  if (t === '') return undefined;
  if (t.startsWith('[')) {
    const close = t.indexOf(']');
    if (close < 0) return undefined;
    const host = t.slice(1, close);
    const rest = t.slice(close + 1);
    if (rest === '') return { host, port: undefined };
    const port = portOf(rest.slice(1));
    return rest.startsWith(':') && port !== undefined ? { host, port } : undefined;
  }
  if (isIP(t) === 6) return { host: t, port: undefined };
  const colon = t.lastIndexOf(':');
  if (colon < 0) return /^[A-Za-z0-9.-]+$/.test(t) ? { host: t, port: undefined } : undefined;
  const host = t.slice(0, colon);
  const port = portOf(t.slice(colon + 1));
  if (port === undefined || !/^[A-Za-z0-9.-]+$/.test(host)) return undefined;
  return { host, port };
}

function portOf(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const n = Number(text);
  return n > 0 && n < 65536 ? n : undefined;
}

export function formatHostPort(hp: HostPort): string {
  const h = hp.host.includes(':') ? `[${hp.host}]` : hp.host;
  return hp.port === undefined ? h : `${h}:${hp.port}`;
}

/** Everything about a gateway's SIP identity that does not change while it runs. */
export interface GatewayShape {
  proxy: HostPort;
  registerProxy: HostPort;
  /** Where requests really go when set (the next hop); else the proxy / register-proxy. */
  outboundProxy: HostPort | undefined;
  transport: SipTransportName;
  /** `sip:<register-proxy>[;transport=tcp]`: the REGISTER Request-URI. */
  registerUri: string;
  /** `<sip:<from-user>@<from-domain>>`: To and From of REGISTER. */
  registerFrom: string;
  /** `sip:<username>@<proxy>`: the Data column of `sofia status`. */
  registerTo: string;
  /** The user part of our Contact: `gw+<name>`, or the extension with extension-in-contact. */
  contactUser: string;
  /** Fixed for the gateway's life, so that the registrar sees one binding refreshed. */
  callId: string;
  fromTag: string;
}

export function gatewayShape(conf: GatewayConf): GatewayShape {
  const need = (what: string, text: string): HostPort => {
    const hp = parseHostPort(text);
    if (!hp) throw new ConfigError(`gateway ${conf.name}: ${what} "${text}" is not a host[:port]`, conf.params.entry(what)?.pos ?? conf.pos);
    return hp;
  };
  const proxy = need('proxy', conf.proxy);
  const registerProxy = need('register-proxy', conf.registerProxy);
  const outboundProxy = conf.outboundProxy ? need('outbound-proxy', conf.outboundProxy) : undefined;
  const transport = conf.registerTransport;
  const tp = transport === 'udp' ? '' : `;transport=${transport}`;
  return {
    proxy,
    registerProxy,
    outboundProxy,
    transport,
    registerUri: `sip:${formatHostPort(registerProxy)}${tp}`,
    registerFrom: `<sip:${escapeUser(conf.fromUser)}@${conf.fromDomain}>`,
    registerTo: `sip:${escapeUser(conf.username)}@${formatHostPort(proxy)}`,
    contactUser: conf.extensionInContact ? escapeUser(conf.extension) : `gw+${escapeUser(conf.name)}`,
    callId: newCallId(),
    fromTag: newTag(),
  };
}

/** RFC 3261 user part: unreserved, the user-unreserved marks and escapes for everything else. */
export function escapeUser(user: string): string {
  return user.replace(/[^A-Za-z0-9\-_.!~*'()&=+$,;?/]/g, (c) =>
    [...Buffer.from(c, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''),
  );
}

/** Our Contact for the gateway's REGISTER and calls: `<sip:gw+name@ip:port;transport=udp;gw=name[;contact-params]>`. */
export function gatewayContact(conf: GatewayConf, shape: GatewayShape, advertised: string, port: number): string {
  const host = advertised.includes(':') ? `[${advertised}]` : advertised;
  const extra = conf.contactParams ? `;${conf.contactParams.replace(/^;+/, '')}` : '';
  return `<sip:${shape.contactUser}@${host}:${port};transport=${shape.transport};gw=${escapeUser(conf.name)}${extra}>`;
}

export function buildRegister(shape: GatewayShape, contact: string, cseq: number, expiresSec: number): SipRequest {
  const req = new SipRequest('REGISTER', shape.registerUri);
  req.addHeader('From', `${shape.registerFrom};tag=${shape.fromTag}`);
  req.addHeader('To', shape.registerFrom);
  req.addHeader('Call-ID', shape.callId);
  req.addHeader('CSeq', `${cseq} REGISTER`);
  req.addHeader('Contact', contact);
  req.addHeader('Expires', String(expiresSec));
  req.setHeader('Content-Length', '0');
  return req;
}

/** OPTIONS to `sip:<proxy>` (where calls go), for `ping`; sent to the outbound-proxy when there is one. */
export function buildPing(conf: GatewayConf, shape: GatewayShape, contact: string): SipRequest {
  const target = shape.proxy;
  const tp = shape.transport === 'udp' ? '' : `;transport=${shape.transport}`;
  const req = new SipRequest('OPTIONS', `sip:${formatHostPort(target)}${tp}`);
  req.addHeader('From', `<sip:${escapeUser(conf.fromUser)}@${conf.fromDomain}>;tag=${newTag()}`);
  req.addHeader('To', `<sip:${formatHostPort(target)}>`);
  req.addHeader('Call-ID', newCallId());
  req.addHeader('CSeq', '1 OPTIONS');
  req.addHeader('Contact', contact);
  req.setHeader('Content-Length', '0');
  return req;
}

/**
 * Seconds the registrar granted: the `expires` of the Contact that is ours (matched by its user
 * part), else the Expires header, else what we asked for. Never less than 1.
 */
export function grantedExpires(res: SipResponse, contactUser: string, asked: number): number {
  for (const c of res.contacts) {
    const uri = c?.parsedUri;
    if (!(uri instanceof SipUri) || uri.user === undefined) continue;
    if (uri.user.toLowerCase() !== contactUser.toLowerCase()) continue;
    if (c!.expires !== undefined) return Math.max(1, c!.expires);
  }
  const e = res.expires;
  if (e !== undefined) return Math.max(1, e);
  return Math.max(1, asked);
}

/**
 * When to refresh a registration granted for `expiresSec` (spec §5.6): about 15 s before it
 * runs out, or half-way for short ones (30 s and less).
 */
export function refreshAfterSec(expiresSec: number): number {
  return expiresSec > 30 ? expiresSec - 15 : Math.max(1, Math.floor(expiresSec / 2));
}
