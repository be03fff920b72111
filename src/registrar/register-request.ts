// What the registrar reads out of a REGISTER before deciding anything: the 400s that need no
// authentication (malformed Expires, non-SIP Contact URIs), the Contacts as the binding logic
// takes them, the Path, the raw credential lines; plus two small formatting helpers. Pure
// functions over the SIP message model (RFC 3261 §10.3 steps 1–3, RFC 3327).

import { isIP } from 'node:net';
import { SipUri, type Hop, type NameAddr, type SipRequest } from '../sip/index.js';
import { bareHost } from './contact-key.js';
import type { Binding } from './location-store.js';
import { parseDeltaSeconds, type ContactInput } from './registrar.js';

/** 400 reasons that need no authentication to find: the request is malformed whoever sends it. */
export function checkSyntax(req: SipRequest): string | undefined {
  const expires = req.get('expires');
  if (expires !== undefined && parseDeltaSeconds(expires) === undefined) return 'Invalid Expires header';
  for (const c of req.contacts) {
    if (!c || c.wildcard) continue;
    if (!(c.parsedUri instanceof SipUri)) return 'Contact URI must be a SIP URI';
    const e = c.param('expires');
    if (e !== undefined && (e === null || parseDeltaSeconds(e) === undefined)) return 'Invalid Contact expires';
  }
  return undefined;
}

export function contactInput(c: NameAddr): ContactInput {
  if (c.wildcard) return { uri: '*' };
  const params: Record<string, string | undefined> = {};
  for (const [k, v] of c.params) params[k] = v ?? undefined;
  return { uri: c.uri, raw: c.toString(), displayName: c.display, params };
}

export function pathUris(req: SipRequest): string[] | undefined {
  if (!req.has('path')) return undefined;
  const out: string[] = [];
  for (const p of req.nameAddrs('path')) if (p) out.push(p.uri);
  return out.length > 0 ? out : undefined;
}

/** Raw values of every line of a header (credentials hold commas: never split them). */
export function headerLines(req: SipRequest, name: string): string[] {
  const out: string[] = [];
  for (const h of req.headers) if (h.name === name) out.push(h.value);
  return out;
}

/** A hop to a literal IP address; undefined for host names (we resolve none). */
export function literalHop(protocol: 'udp' | 'tcp', host: string, port: number): Hop | undefined {
  const address = bareHost(host);
  return isIP(address) === 0 ? undefined : { protocol, address, port };
}

export function sourceText(b: Pick<Binding, 'transport' | 'sourceIp' | 'sourcePort'>): string {
  return `${b.transport}:${b.sourceIp}:${b.sourcePort}`;
}
