// The channel variables an inbound INVITE sets (spec §4.5): sip_from_*, sip_to_*, sip_req_*,
// sip_contact_*, sip_call_id, sip_user_agent, network addresses, and the caller's custom
// headers as sip_h_* (X-*, P-* except identity headers, User-to-User), copied on to B-legs.

import { SipUri, unescapeUri, type NameAddr, type SipRequest } from '../../sip/index.js';

function uriVars(vars: Map<string, string>, prefix: string, na: NameAddr | undefined): void {
  if (!na) return;
  const uri = na.parsedUri;
  if (!(uri instanceof SipUri)) return;
  if (uri.user !== undefined) vars.set(`${prefix}_user`, unescapeUri(uri.user));
  vars.set(`${prefix}_host`, uri.host);
  if (uri.port !== undefined) vars.set(`${prefix}_port`, String(uri.port));
  vars.set(`${prefix}_uri`, `${uri.user !== undefined ? `${unescapeUri(uri.user)}@` : ''}${uri.hostport}`);
  if (na.display) vars.set(`${prefix}_display`, na.display);
}

export function inboundVariables(req: SipRequest, profile: string): Map<string, string> {
  const vars = new Map<string, string>();
  const src = req.source;
  vars.set('direction', 'inbound');
  vars.set('sip_profile_name', profile);
  vars.set('sofia_profile_name', profile);
  vars.set('sip_call_id', req.callId);
  uriVars(vars, 'sip_from', req.from);
  uriVars(vars, 'sip_to', req.to);
  uriVars(vars, 'sip_contact', req.contact);
  const ruri = req.requestUri;
  if (ruri instanceof SipUri) {
    if (ruri.user !== undefined) vars.set('sip_req_user', unescapeUri(ruri.user));
    vars.set('sip_req_host', ruri.host);
    if (ruri.port !== undefined) vars.set('sip_req_port', String(ruri.port));
    vars.set('sip_req_uri', req.uri.replace(/^sips?:/, ''));
  }
  if (req.fromTag) vars.set('sip_from_tag', req.fromTag);
  const ua = req.get('user-agent');
  if (ua) vars.set('sip_user_agent', ua);
  if (src) {
    vars.set('sip_network_ip', src.remoteAddress);
    vars.set('sip_network_port', String(src.remotePort));
    vars.set('sip_received_ip', src.remoteAddress);
    vars.set('sip_received_port', String(src.remotePort));
    vars.set('sip_via_protocol', src.transport);
  }
  vars.set('max_forwards', String(req.maxForwards ?? 70));
  vars.set('switch_r_sdp', req.body.length > 0 ? req.body.toString('utf8') : '');
  for (const h of req.headers) {
    const n = h.written;
    const lower = h.name;
    if (lower.startsWith('x-') || lower === 'user-to-user' || (lower.startsWith('p-') && lower !== 'p-asserted-identity' && lower !== 'p-preferred-identity')) {
      vars.set(`sip_h_${n}`, h.value);
      vars.set(`sip_i_${lower.replace(/-/g, '_')}`, h.value);
    }
  }
  return vars;
}
