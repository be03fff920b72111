// Outbound calls through a gateway (`sofia/gateway/<name>/<number>`, spec §5.6): the INVITE
// FreeSWITCH would send — Request-URI and To `sip:<number>@<proxy>`, From with the gateway's
// from-user (or the caller id with caller-id-in-from) at its from-domain, the caller id in
// Remote-Party-ID (cid-type rpid, the default) or P-Asserted-Identity (pid), Contact
// `gw+<name>`, the caller's sip_h_* headers — and the leg that answers the carrier's 401/407
// once with the gateway's credentials (RFC 3261 §22.2: the same Call-ID and From tag, the next
// CSeq). The gateway's outbound `<variables>` are set on the leg first.

import type { Channel } from '../channel.js';
import type { OriginateRequest } from '../interfaces.js';
import { SipRequest, newCallId, newTag, type ClientTransaction, type Hop, type SipResponse } from '../../sip/index.js';
import { answerChallenge } from './gateway-auth.js';
import { escapeUser, formatHostPort } from './gateway-registration.js';
import type { Gateway } from './gateway.js';
import { OutboundLeg, DIALOG_ALLOW } from './sip-leg.js';
import type { SofiaEndpoint } from './sofia-endpoint.js';

/** What a number dialled through a gateway may contain (after the prefix). */
const NUMBER_RE = /^[A-Za-z0-9+*#._-]{1,64}$/;

/** Ours: an outbound gateway variable (or leg variable) prepended to every number dialled. */
export const PREFIX_VARIABLE = 'gateway_prefix';

/** Caller-id variables that, set by the gateway's outbound `<variables>`, replace the caller id sent. */
const CID_VARIABLES = ['origination_caller_id_name', 'effective_caller_id_name', 'origination_caller_id_number', 'effective_caller_id_number'] as const;

/** Start the leg of `req` through `gw` to `number`. Failures end the channel with a cause. */
export function originateThroughGateway(ep: SofiaEndpoint, req: OriginateRequest, gw: Gateway, number: string): void {
  const ch = req.channel;
  applyGatewayVariables(ch, gw);
  const dialled = `${ch.getVariable(PREFIX_VARIABLE) ?? ''}${number}`;
  if (!NUMBER_RE.test(dialled)) {
    ch.hangup('INVALID_NUMBER_FORMAT');
    return;
  }
  const a = req.originator;
  const maxForwards = Number(a?.getVariable('max_forwards') ?? 70) - 1;
  if (!(maxForwards >= 0)) {
    ch.hangup('EXCHANGE_ROUTING_ERROR');
    return;
  }
  ep.mediaOffer(ch, a, req.sdp).then(
    (sdp) => {
      if (sdp !== null && !ch.hungUp) sendThroughGateway(ep, ch, gw, dialled, maxForwards, sdp);
    },
    (err: unknown) => {
      ch.log.error({ err }, 'originate failed');
      ch.hangup('DESTINATION_OUT_OF_ORDER');
    },
  );
}

function sendThroughGateway(ep: SofiaEndpoint, ch: Channel, gw: Gateway, dialled: string, maxForwards: number, sdp: Buffer | undefined): void {
  const invite = buildGatewayInvite(ep, ch, gw, dialled, maxForwards, sdp);
  const proxy = formatHostPort(gw.shape.proxy);
  ch.name = `sofia/gateway/${gw.name}/${dialled}`;
  ch.setVariable('sip_call_id', invite.callId);
  ch.setVariable('sip_to_user', dialled);
  ch.setVariable('sip_to_host', proxy);
  ch.setVariable('sip_req_uri', `${escapeUser(dialled)}@${proxy}`);
  ch.setVariable('sip_profile_name', ep.profile.name);
  ch.setVariable('sip_gateway_name', gw.name);
  ch.setVariable('max_forwards', String(maxForwards));
  ch.localSdp = invite.body.length > 0 ? invite.body : undefined;
  ch.setCallState('DIALING');
  ep.profile.counters.callsOut++;
  gw.counters.callsOut++;
  ch.once('hangup', () => {
    if (ch.answered) return;
    ep.profile.counters.failedCallsOut++;
    gw.counters.failedCallsOut++;
  });
  const send = (hop: Hop) => {
    if (ch.hungUp) return;
    const leg = new GatewayLeg(ep, invite, hop, gw);
    leg.channel = ch;
    ch.attachDriver(leg);
    leg.start();
  };
  let hop: Hop | Promise<Hop>;
  try {
    hop = gw.callHop();
  } catch {
    ch.hangup('NO_ROUTE_DESTINATION');
    return;
  }
  if (hop instanceof Promise) {
    hop.then(send, (err: unknown) => {
      ch.log.warn({ err, gateway: gw.name }, 'cannot resolve the gateway');
      ch.hangup('NO_ROUTE_DESTINATION');
    });
  } else send(hop);
}

/**
 * The gateway's `<variables>` marked outbound (or unmarked) go on the leg. When they name a
 * caller id (origination_/effective_caller_id_*), that is the caller id the carrier sees.
 */
export function applyGatewayVariables(ch: Channel, gw: Gateway): void {
  for (const v of gw.conf.variables.list) {
    if (v.direction === 'inbound') continue;
    ch.setVariable(v.name, v.value);
  }
  const pick = (kind: 'name' | 'number') => {
    for (const n of CID_VARIABLES) if (n.endsWith(kind) && gw.conf.variables.has(n) && directionOut(gw, n)) return gw.conf.variables.get(n);
    return undefined;
  };
  const name = pick('name');
  const num = pick('number');
  if (name !== undefined) ch.profile.callerIdName = name;
  if (num !== undefined) ch.profile.callerIdNumber = num;
}

function directionOut(gw: Gateway, name: string): boolean {
  const e = gw.conf.variables.entry(name);
  return e !== undefined && e.direction !== 'inbound';
}

export function buildGatewayInvite(ep: SofiaEndpoint, ch: Channel, gw: Gateway, number: string, maxForwards: number, sdp: Buffer | undefined): SipRequest {
  const conf = gw.conf;
  const proxy = formatHostPort(gw.shape.proxy);
  const tp = gw.shape.transport === 'udp' ? '' : `;transport=${gw.shape.transport}`;
  const user = escapeUser(number);
  const req = new SipRequest('INVITE', `sip:${user}@${proxy}${tp}`);
  const cidName = ch.profile.callerIdName;
  const cidNumber = ch.profile.callerIdNumber || 'anonymous';
  const display = cidName ? `"${cidName.replace(/["\\\r\n]/g, '')}" ` : '';
  const fromUser = conf.callerIdInFrom ? escapeUser(cidNumber) : escapeUser(conf.fromUser);
  req.addHeader('From', `${display}<sip:${fromUser}@${conf.fromDomain}>;tag=${newTag()}`);
  req.addHeader('To', `<sip:${user}@${proxy}>`);
  req.addHeader('Call-ID', newCallId());
  req.addHeader('CSeq', `${1 + Math.floor(Math.random() * 100000)} INVITE`);
  req.addHeader('Max-Forwards', String(maxForwards));
  req.addHeader('Contact', gw.contact);
  const identity = `${display}<sip:${escapeUser(cidNumber)}@${conf.fromDomain}>`;
  switch ((conf.params.get('cid-type') ?? 'rpid').trim().toLowerCase()) {
    case 'none':
      break;
    case 'pid':
      req.addHeader('P-Asserted-Identity', identity);
      break;
    default:
      req.addHeader('Remote-Party-ID', `${identity};party=calling;screen=yes;privacy=off`);
  }
  req.addHeader('Allow', DIALOG_ALLOW);
  req.addHeader('Supported', 'timer, path, replaces');
  req.addHeader('User-Agent', ep.stack.userAgent);
  const a = ch.originator;
  const copyCustom = !(a?.getVariable('sip_copy_custom_headers') !== undefined && !a.isTrue('sip_copy_custom_headers'));
  const headers = new Map<string, string>();
  if (a && copyCustom) for (const [k, v] of a.variables) if (k.startsWith('sip_h_')) headers.set(k.slice(6), v);
  for (const [k, v] of ch.variables) if (k.startsWith('sip_h_')) headers.set(k.slice(6), v);
  for (const [k, v] of headers) if (/^[A-Za-z0-9!%'*+._`~-]+$/.test(k) && !/[\r\n]/.test(v)) req.addHeader(k, v);
  if (sdp) req.setBody(sdp, 'application/sdp');
  else req.setHeader('Content-Length', '0');
  return req;
}

/** The same INVITE again with credentials: the next CSeq, no Via (the stack writes a new branch). */
export function reissueWithCredentials(prev: SipRequest, header: string, value: string): SipRequest {
  const next = new SipRequest('INVITE', prev.uri);
  for (const h of prev.headers) {
    if (h.name === 'via' || h.name === 'cseq' || h.name === 'authorization' || h.name === 'proxy-authorization' || h.name === 'content-length' || h.name === 'content-type') continue;
    next.headers.push({ name: h.name, written: h.written, value: h.value });
  }
  next.addHeader('CSeq', `${(prev.cseq?.seq ?? 1) + 1} INVITE`);
  next.addHeader(header, value);
  if (prev.body.length > 0) next.setBody(prev.body, prev.get('content-type') ?? 'application/sdp');
  else next.setHeader('Content-Length', '0');
  return next;
}

/** An outbound leg that answers one digest challenge from the carrier with the gateway's credentials. */
export class GatewayLeg extends OutboundLeg {
  readonly gateway: Gateway;
  #challenged = false;

  constructor(endpoint: SofiaEndpoint, request: SipRequest, hop: Hop, gateway: Gateway) {
    super(endpoint, request, hop);
    this.gateway = gateway;
  }

  override onResponse(res: SipResponse, tx: ClientTransaction): void {
    if ((res.status === 401 || res.status === 407) && !this.#challenged && !this.channel.hungUp && tx === this.tx) {
      const creds = this.gateway.credentials;
      const answer = creds ? answerChallenge(res, 'INVITE', this.request.uri, creds) : undefined;
      if (answer) {
        this.#challenged = true;
        this.request = reissueWithCredentials(this.request, answer.header, answer.value);
        this.start();
        return;
      }
    }
    super.onResponse(res, tx);
  }
}
