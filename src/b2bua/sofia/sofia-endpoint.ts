// The SIP endpoint of one profile: inbound INVITEs become channels (after authentication,
// admission and SDP checks) that the core routes; outbound legs become INVITEs to a URI, a
// registered contact or a gateway (gateway-call.ts). `Sofia` groups the profiles under the single
// `sofia` technology of dial strings (`sofia/internal/sip:1000@10.0.0.5:5062`).

import type { Logger } from '../../common/index.js';
import { SipRequest, SipUri, createResponse, newCallId, newTag, parseUri, unescapeUri, type Hop, type InviteServerTransaction, type ServerTransaction, type SipStack } from '../../sip/index.js';
import { parseSdp, SdpParseError } from '../../rtp/index.js';
import type { CallCore } from '../core.js';
import type { Channel } from '../channel.js';
import type { HangupCause } from '../causes.js';
import { causeToSipStatus } from '../causes.js';
import type { Endpoint, OriginateRequest } from '../interfaces.js';
import type { SofiaProfile } from '../sofia-profile.js';
import { DIALOG_ALLOW, InboundLeg, OutboundLeg, SipLeg } from './sip-leg.js';
import { originateThroughGateway } from './gateway-call.js';
import type { GatewayRegistry } from './gateway-registry.js';
import type { Gateway } from './gateway.js';
import { inboundVariables } from './variables.js';
import { MediaRefusal } from '../media/call-media.js';
import { uuidBridge } from '../takeover.js';
import { parseReplaces } from './refer.js';

/** Who the caller is once an INVITE is allowed in. */
export interface AuthorizedCaller {
  /** True when the caller proved a directory identity (digest or ACL). */
  authenticated: boolean;
  /** Directory user id and domain, when authenticated. */
  user?: string;
  domain?: string;
  /** Variables to set on the channel (directory user variables, sip_auth_*, …). */
  variables: Record<string, string>;
  /** Route to this instead of the Request-URI user (a gateway's `extension`). */
  destination?: string;
  /** Route in this context instead of the profile's (a gateway's `context`). */
  context?: string;
  /** Told about the channel once it exists (a gateway counts its inbound calls). */
  onChannel?(channel: Channel): void;
}

/** Decides whether an INVITE may proceed; answers 401/407/403 itself when it may not. */
export interface InviteAuthorizer {
  authorize(req: SipRequest, tx: ServerTransaction): AuthorizedCaller | undefined | Promise<AuthorizedCaller | undefined>;
  /** Challenge headers for the `respond 407` application. */
  challenge?(req: SipRequest, status: number): Array<[string, string]>;
}

export interface SofiaEndpointOptions {
  profile: SofiaProfile;
  core: CallCore;
  logger: Logger;
  authorizer?: InviteAuthorizer;
}

const ACCEPTED_BODIES = new Set(['application/sdp', 'multipart/mixed']);

export class SofiaEndpoint {
  readonly profile: SofiaProfile;
  readonly core: CallCore;
  readonly log: Logger;
  authorizer: InviteAuthorizer | undefined;

  constructor(opts: SofiaEndpointOptions) {
    this.profile = opts.profile;
    this.core = opts.core;
    this.log = opts.logger.child({ mod: 'sofia', profile: opts.profile.name });
    this.authorizer = opts.authorizer;
    this.stack.route('INVITE', (req, tx) => {
      this.#onInvite(req, tx as InviteServerTransaction).catch((err: unknown) => {
        this.log.error({ err }, 'INVITE handling failed');
        if (tx.state === 'proceeding') tx.reply(500);
      });
    });
  }

  get stack(): SipStack {
    return this.profile.stack;
  }

  get name(): string {
    return this.profile.name;
  }

  challenge(req: SipRequest, status: number): Array<[string, string]> {
    return this.authorizer?.challenge?.(req, status) ?? [];
  }

  /** Our Contact for a dialog started by `req` (same transport as the request). */
  contactFor(req: SipRequest): string {
    const user = (req.requestUri instanceof SipUri ? req.requestUri.user : undefined) ?? 'mod_sofia';
    return this.stack.contactUri(user, req.source?.transport ?? 'udp');
  }

  async #onInvite(req: SipRequest, tx: InviteServerTransaction): Promise<void> {
    const congested = this.core.admit();
    if (congested) {
      tx.reply(causeToSipStatus(congested), { headers: [['Retry-After', '5']] });
      return;
    }
    // RFC 3261 §8.2.3: bodies we cannot read (415), and callers that accept no SDP (406).
    const type = req.contentType;
    if (req.body.length > 0 && (!type || !ACCEPTED_BODIES.has(type))) {
      tx.reply(415, { headers: [['Accept', 'application/sdp']] });
      return;
    }
    const accept = req.get('accept');
    if (accept !== undefined && !/application\/sdp|application\/\*|\*\/\*/i.test(accept)) {
      tx.reply(406, { headers: [['Accept', 'application/sdp']] });
      return;
    }
    let sdp: Buffer | undefined;
    if (req.body.length > 0 && type === 'application/sdp') {
      try {
        parseSdp(req.body.toString('utf8'));
        sdp = req.body;
      } catch (err) {
        if (!(err instanceof SdpParseError)) throw err;
        tx.reply(488, { reason: 'Not Acceptable Here' });
        return;
      }
    }
    const who = this.authorizer ? await this.authorizer.authorize(req, tx) : { authenticated: false, variables: {} };
    if (!who || tx.state !== 'proceeding') return; // answered already (401/407/403)
    // RFC 3891: an INVITE that replaces a call of the same phone (attended transfer by INVITE).
    const replacesHeader = req.get('replaces');
    let replaced: SipLeg | undefined;
    if (replacesHeader !== undefined) {
      const rep = parseReplaces(replacesHeader);
      if (!rep) {
        tx.reply(400, { reason: 'Bad Replaces Header' });
        return;
      }
      // Our tag is the To tag from the sender's side of that dialog, its own the From tag.
      const entry = this.stack.findDialogEntry(rep.callId, rep.toTag, rep.fromTag);
      const leg = entry?.user instanceof SipLeg ? entry.user : undefined;
      const partner = leg?.channel.partner;
      if (!leg || leg.channel.hungUp || !leg.channel.answered || !partner || partner.hungUp || rep.earlyOnly) {
        tx.reply(481, { reason: 'Call/Transaction Does Not Exist' });
        return;
      }
      const src = req.source;
      const samePhone = src !== undefined && src.remoteAddress === leg.hop.address && src.remotePort === leg.hop.port;
      const sameUser = who.authenticated && leg.channel.direction === 'inbound' && who.user !== undefined && who.user === leg.channel.profile.username;
      if (!samePhone && !sameUser) {
        this.log.warn({ callId: rep.callId }, 'INVITE with Replaces for a call of another phone: refused');
        tx.reply(403, { reason: 'Forbidden' });
        return;
      }
      replaced = leg;
    }

    const leg = new InboundLeg(this, req, tx);
    const vars = inboundVariables(req, this.profile.name);
    for (const [k, v] of Object.entries(who.variables)) vars.set(k, v);
    if (who.authenticated) vars.set('sip_authorized', 'true');
    // Media mode for calls arriving here (spec §4.4); the dialplan may still change it.
    if (this.profile.conf.bool('inbound-bypass-media')) vars.set('bypass_media', 'true');
    else if (this.profile.conf.bool('inbound-proxy-media')) vars.set('proxy_media', 'true');
    const from = req.from!;
    const fromUri = from.parsedUri;
    const fromUser = fromUri instanceof SipUri && fromUri.user !== undefined ? unescapeUri(fromUri.user) : '';
    const fromHost = fromUri instanceof SipUri ? fromUri.host : '';
    const ruri = req.requestUri;
    const destination = who.destination ?? (ruri instanceof SipUri && ruri.user !== undefined ? unescapeUri(ruri.user) : (vars.get('sip_to_user') || 'service'));
    const context = who.context ?? ((who.authenticated && who.variables.user_context) || this.profile.conf.context);
    const channel = this.core.createChannel({
      direction: 'inbound',
      name: `sofia/${this.profile.name}/${fromUser}@${fromHost}`,
      driver: leg,
      profile: {
        username: who.user ?? fromUser,
        dialplan: this.profile.conf.dialplan,
        callerIdName: from.display || fromUser,
        callerIdNumber: fromUser,
        origCallerIdName: from.display || fromUser,
        origCallerIdNumber: fromUser,
        networkAddr: req.source?.remoteAddress ?? '',
        ani: fromUser,
        destinationNumber: destination,
        source: 'mod_sofia',
        context,
        calleeIdNumber: destination,
      },
      variables: vars,
    });
    leg.channel = channel;
    who.onChannel?.(channel);
    channel.remoteSdp = sdp;
    this.profile.counters.callsIn++;
    channel.once('hangup', () => {
      if (!channel.answered) this.profile.counters.failedCallsIn++;
    });
    if (replaced) {
      void this.#replace(channel, replaced);
      return;
    }
    void this.core.run(channel);
  }

  /**
   * The new call takes the place of `old`: the party `old` was talking to is bridged with it
   * (taken off what it runs), and `old` is released with ATTENDED_TRANSFER.
   */
  async #replace(channel: Channel, old: SipLeg): Promise<void> {
    const oldCh = old.channel;
    const partner = oldCh.partner;
    if (!partner || partner.hungUp) {
      channel.hangup('NO_ROUTE_DESTINATION');
      return;
    }
    oldCh.setVariable('transfer_disposition', 'replaced');
    channel.setVariable('sip_replaces', oldCh.uuid);
    channel.log.info({ replaces: oldCh.uuid, with: partner.uuid }, 'INVITE with Replaces');
    const ok = await uuidBridge(this.core, this.core.takeover, channel, partner, 2000);
    if (!ok) {
      if (!channel.hungUp) channel.hangup('NORMAL_TEMPORARY_FAILURE');
      oldCh.setVariable('transfer_disposition', undefined);
      return;
    }
    if (!oldCh.hungUp) oldCh.hangup('ATTENDED_TRANSFER');
  }

  /**
   * The SDP to offer on outbound leg `ch`: the media layer's for the call's mode (the caller's
   * as is in bypass, rewritten to our relay in proxy, our own in default), else what was given.
   * null: no media could be set up, and the leg has been hung up with the reason.
   */
  async mediaOffer(ch: Channel, a: Channel | undefined, given: Buffer | undefined): Promise<Buffer | undefined | null> {
    const media = this.core.media;
    ch.setVariable('sip_profile_name', this.profile.name);
    if (!media) return given ?? a?.remoteSdp;
    try {
      return (await media.offerFor(ch, a)) ?? given;
    } catch (err) {
      if (!(err instanceof MediaRefusal)) throw err;
      ch.log.warn({ reason: err.message }, 'no media for the new leg');
      ch.hangup(err.hangupCause);
      return null;
    }
  }

  /**
   * An outbound leg towards a SIP URI (`sip:1000@10.0.0.5:5062`, a registered contact with
   * `fs_path=<where to send>`). Literal IP addresses only: no name resolution here.
   */
  originate(req: OriginateRequest, uriText: string): void {
    const channel = req.channel;
    const uri = parseUri(uriText.startsWith('sip:') || uriText.startsWith('sips:') ? uriText : `sip:${uriText}`);
    if (!(uri instanceof SipUri)) {
      channel.hangup('INVALID_URL');
      return;
    }
    // fs_path: where the phone really is (NAT, registration); the rest is the Request-URI.
    const fsPath = uri.params.get('fs_path');
    const target = uri.clone();
    for (const k of [...target.params.keys()]) if (k.startsWith('fs_')) target.params.delete(k);
    const hop = this.stack.hopForUri(fsPath ? unescapeUri(fsPath) : target.toString());
    if (!hop) {
      channel.hangup('NO_ROUTE_DESTINATION');
      return;
    }
    const a = req.originator;
    const maxForwards = Number(a?.getVariable('max_forwards') ?? 70) - 1;
    if (maxForwards < 0) {
      channel.hangup('EXCHANGE_ROUTING_ERROR');
      return;
    }
    this.mediaOffer(channel, a, req.sdp).then(
      (sdp) => {
        if (sdp !== null && !channel.hungUp) this.#send(channel, target, maxForwards, sdp, hop);
      },
      (err: unknown) => {
        channel.log.error({ err }, 'originate failed');
        channel.hangup('DESTINATION_OUT_OF_ORDER');
      },
    );
  }

  #send(channel: Channel, target: SipUri, maxForwards: number, sdp: Buffer | undefined, hop: Hop): void {
    const invite = this.#buildInvite(channel, target, maxForwards, sdp, hop);
    const leg = new OutboundLeg(this, invite, hop);
    leg.channel = channel;
    channel.attachDriver(leg);
    channel.name = `sofia/${this.profile.name}/${target.toString().replace(/^sips?:/, '')}`;
    channel.setVariable('sip_call_id', invite.callId);
    channel.setVariable('sip_to_user', target.user ? unescapeUri(target.user) : '');
    channel.setVariable('sip_to_host', target.host);
    channel.setVariable('sip_req_uri', target.toString().replace(/^sips?:/, ''));
    channel.setVariable('sip_profile_name', this.profile.name);
    channel.setVariable('max_forwards', String(maxForwards));
    channel.localSdp = invite.body.length > 0 ? invite.body : undefined;
    channel.setCallState('DIALING');
    this.profile.counters.callsOut++;
    channel.once('hangup', () => {
      if (!channel.answered) this.profile.counters.failedCallsOut++;
    });
    leg.start();
  }

  #buildInvite(ch: Channel, target: SipUri, maxForwards: number, sdp: Buffer | undefined, hop: Hop): SipRequest {
    const a = ch.originator;
    const domain = ch.getVariable('sip_invite_domain') ?? a?.getVariable('domain_name') ?? this.stack.advertisedAddress;
    const cidName = ch.profile.callerIdName;
    const cidNumber = ch.profile.callerIdNumber || 'anonymous';
    const req = new SipRequest('INVITE', target.toString());
    const display = cidName && cidName !== cidNumber ? `"${cidName.replace(/["\\]/g, '')}" ` : '';
    req.addHeader('From', `${display}<sip:${cidNumber}@${domain}>;tag=${newTag()}`);
    const toUri = new SipUri({ scheme: target.scheme, user: target.user, host: target.host, port: target.port });
    req.addHeader('To', `<${toUri.toString()}>`);
    req.addHeader('Call-ID', newCallId());
    req.addHeader('CSeq', `${1 + Math.floor(Math.random() * 100000)} INVITE`);
    req.addHeader('Max-Forwards', String(maxForwards));
    req.addHeader('Contact', `<${this.stack.contactUri('mod_sofia', hop.protocol)}>`);
    req.addHeader('Allow', DIALOG_ALLOW);
    req.addHeader('Supported', 'timer, path, replaces');
    req.addHeader('User-Agent', this.stack.userAgent);
    const copyCustom = !(a?.isTrue('sip_copy_custom_headers') === false && a.getVariable('sip_copy_custom_headers') !== undefined);
    const headers = new Map<string, string>();
    if (a && copyCustom) for (const [k, v] of a.variables) if (k.startsWith('sip_h_')) headers.set(k.slice(6), v);
    for (const [k, v] of ch.variables) if (k.startsWith('sip_h_')) headers.set(k.slice(6), v);
    for (const [k, v] of headers) req.addHeader(k, v);
    if (sdp) req.setBody(sdp, 'application/sdp');
    else req.setHeader('Content-Length', '0');
    return req;
  }
}

/** The `sofia` technology: `sofia/<profile>/<uri or user@host>`. */
export class Sofia implements Endpoint {
  readonly technology = 'sofia';
  readonly #profiles = new Map<string, SofiaEndpoint>();
  /** The gateways `sofia/gateway/<name>/<number>` reaches (set by the composition root). */
  gateways: GatewayRegistry | undefined;

  add(endpoint: SofiaEndpoint): void {
    this.#profiles.set(endpoint.name.toLowerCase(), endpoint);
  }

  profile(name: string): SofiaEndpoint | undefined {
    return this.#profiles.get(name.toLowerCase());
  }

  validate(target: string): HangupCause | undefined {
    const slash = target.indexOf('/');
    if (slash <= 0) return 'INVALID_URL';
    const name = target.slice(0, slash).toLowerCase();
    if (name === 'gateway') {
      const t = this.#gatewayTarget(target);
      return t.refusal ?? this.gateways?.refuse(t.name); // GATEWAY_DOWN, or barred by the default_password guard
    }
    if (!this.#profiles.has(name)) return 'INVALID_PROFILE';
    return undefined;
  }

  originate(req: OriginateRequest): void {
    const slash = req.target.indexOf('/');
    if (req.target.slice(0, slash).toLowerCase() === 'gateway') {
      const t = this.#gatewayTarget(req.target);
      const ep = t.gateway && this.#profiles.get(t.gateway.profile.toLowerCase());
      if (!t.gateway || !ep || t.refusal) req.channel.hangup(t.refusal ?? 'INVALID_GATEWAY');
      else if (this.gateways?.guarded) req.channel.hangup('OUTGOING_CALL_BARRED'); // validate() logged it
      else originateThroughGateway(ep, req, t.gateway, t.number);
      return;
    }
    const ep = this.#profiles.get(req.target.slice(0, slash).toLowerCase());
    if (!ep) {
      req.channel.hangup('INVALID_PROFILE');
      return;
    }
    ep.originate(req, req.target.slice(slash + 1));
  }

  /** `gateway/<name>/<number>`: the gateway and the number, or why they cannot be dialled at all. */
  #gatewayTarget(target: string): { name: string; number: string; gateway: Gateway | undefined; refusal: HangupCause | undefined } {
    const rest = target.slice(target.indexOf('/') + 1);
    const slash = rest.indexOf('/');
    const name = slash < 0 ? rest : rest.slice(0, slash);
    const number = slash < 0 ? '' : rest.slice(slash + 1);
    const gateway = this.gateways?.get(name);
    if (!gateway || !gateway.started) return { name, number, gateway: undefined, refusal: 'INVALID_GATEWAY' };
    if (number === '') return { name, number, gateway, refusal: 'INVALID_NUMBER_FORMAT' };
    return { name, number, gateway, refusal: undefined };
  }
}
