// One SIP leg of a call: the driver behind a channel (answer, refuse, cancel, hang up with
// the right SIP for each state) and the owner of its dialog (BYE, re-INVITE, INFO, OPTIONS
// inside it). An inbound leg is the UAS side of the caller's INVITE; an outbound leg is the
// UAC side of the INVITE we send. SDP goes through the media layer (media/call-media.ts): our
// answers when a leg is answered here, and re-INVITEs relayed to the partner (bypass, proxy) or
// answered here (default mode, where a hold puts the partner on music).

import {
  Dialog, SipRequest, createResponse, newTag,
  type ClientTransaction, type ClientTransactionUser, type DialogUser, type Hop, type InviteClientTransaction,
  type InviteServerTransaction, type ServerTransaction, type SipResponse,
} from '../../sip/index.js';
import { buildReasonHeader, causeFromReasonHeader, causeFromSip, causeToSipStatus, type HangupCause } from '../causes.js';
import type { Channel, ChannelDriver } from '../channel.js';
import { buildInfoDtmf } from '../../rtp/index.js';
import { MediaRefusal } from '../media/call-media.js';
import { uuidBridge } from '../takeover.js';
import { ReferSubscription, readReferTo, type ReplacesTarget } from './refer.js';
import type { SofiaEndpoint } from './sofia-endpoint.js';

const SDP = 'application/sdp';

/** What our legs take inside a call: the Allow of our INVITEs and of our answers to them. */
export const DIALOG_ALLOW = 'INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, UPDATE, REFER, NOTIFY';

export abstract class SipLeg implements ChannelDriver, DialogUser {
  readonly technology = 'sofia';
  readonly endpoint: SofiaEndpoint;
  channel!: Channel;
  dialog: Dialog | undefined;
  /** Where in-dialog requests go: the phone's real address (NAT-safe). */
  hop: Hop;

  constructor(endpoint: SofiaEndpoint, hop: Hop) {
    this.endpoint = endpoint;
    this.hop = hop;
  }

  abstract ringReady(channel: Channel): void;
  abstract preAnswer(channel: Channel, sdp?: Buffer): void;
  abstract answer(channel: Channel, sdp?: Buffer): void;
  abstract hangup(channel: Channel, cause: HangupCause): void;

  protected get stack() {
    return this.endpoint.stack;
  }

  /** A BYE with the Reason header for the cause (spec §5.7). */
  protected sendBye(cause: HangupCause): void {
    const d = this.dialog;
    if (!d || d.state === 'terminated') return;
    const headers: Array<[string, string]> = [];
    const reason = this.channel.getVariable('sip_reason') ?? (this.channel.isTrue('disable_q850_reason') ? undefined : buildReasonHeader(cause));
    if (reason) headers.push(['Reason', reason]);
    for (const [k, v] of this.channel.variables) if (k.startsWith('sip_bye_h_')) headers.push([k.slice(10), v]);
    const bye = d.createRequest('BYE', { headers });
    this.channel.setVariable('sip_hangup_disposition', 'send_bye');
    this.stack.sendRequest(bye, this.hop, IGNORE);
    this.endDialog();
  }

  protected endDialog(): void {
    if (!this.dialog) return;
    this.dialog.terminate();
    this.stack.removeDialog(this.dialog);
  }

  // ---- requests inside the dialog -------------------------------------------------------------

  onDialogRequest(req: SipRequest, tx: ServerTransaction | undefined, dialog: Dialog): void {
    this.dialog = dialog;
    switch (req.method) {
      case 'ACK':
        this.onAck(req);
        return;
      case 'BYE': {
        tx?.reply(200);
        this.channel.setVariable('sip_hangup_disposition', 'recv_bye');
        this.endDialog();
        this.channel.hangup(causeFromReasonHeader(req.get('reason')) ?? 'NORMAL_CLEARING');
        return;
      }
      case 'INVITE':
      case 'UPDATE':
        void this.onReinvite(req, tx!);
        return;
      case 'OPTIONS':
        tx?.reply(200, { headers: [['Allow', this.stack.allowedMethods.join(', ')], ['Accept', SDP]] });
        return;
      case 'PRACK':
        tx?.reply(200); // RFC 3262: our reliable provisional is acknowledged
        return;
      case 'INFO':
        tx?.reply(200);
        this.#onInfo(req);
        return;
      case 'REFER':
        this.onRefer(req, tx!);
        return;
      case 'NOTIFY':
        tx?.reply(200); // progress of a REFER we sent (deflect): nothing waits for it
        return;
      default:
        tx?.reply(501);
    }
  }

  protected onAck(_ack: SipRequest): void {}

  /** DTMF to this leg's phone as SIP INFO (`application/dtmf-relay`), one request per digit. */
  sendDtmf(channel: Channel, digits: string, durationMs: number): void {
    const d = this.dialog;
    if (!d || d.state !== 'confirmed' || channel.hungUp) return;
    for (const digit of digits) {
      if (!/^[0-9A-Da-d*#]$/.test(digit)) continue;
      const info = buildInfoDtmf(digit.toUpperCase(), durationMs);
      this.stack.sendRequest(d.createRequest('INFO', { body: info.body, contentType: info.contentType }), this.hop, IGNORE);
    }
  }

  /**
   * SIP INFO DTMF (`application/dtmf-relay`: `Signal=5`, `Duration=160`; or
   * `application/dtmf`: the digit): a DTMF event on the channel, and the digit played to the
   * bridged partner as RFC 2833 when its media is ours.
   */
  #onInfo(req: SipRequest): void {
    const type = req.contentType;
    if (type !== 'application/dtmf-relay' && type !== 'application/dtmf') return;
    const text = req.body.toString('latin1');
    const digit = (type === 'application/dtmf' ? text.trim() : /^\s*signal\s*=\s*(\S)/im.exec(text)?.[1] ?? '').toUpperCase();
    if (!/^[0-9A-D*#]$/.test(digit)) return;
    const ms = Math.min(Math.max(Number(/^\s*duration\s*=\s*(\d+)/im.exec(text)?.[1] ?? 100), 40), 5000);
    const ch = this.channel;
    ch.emit('dtmf', digit, ms * 8, 'INFO');
    const partner = ch.partner;
    const ep = partner ? this.endpoint.core.media?.endpoint(partner) : undefined;
    if (ep?.hasMedia) ep.media.sendDtmf(`${digit}@${ms}`);
  }

  // ---- transfers ------------------------------------------------------------------------------

  /**
   * REFER from this leg's phone (RFC 3515): a blind transfer of its partner to the Refer-To
   * user, routed in the transferor's context; or, with `Replaces` in the Refer-To, an attended
   * one that bridges its partner with the partner of the leg the Replaces names. Answered 202;
   * progress goes to the phone in NOTIFYs (refer.ts), then its leg is released.
   */
  protected onRefer(req: SipRequest, tx: ServerTransaction): void {
    const ch = this.channel;
    const target = readReferTo(req);
    if (!target.ok) {
      tx.reply(target.status, { reason: target.reason });
      return;
    }
    const partner = ch.partner;
    if (!ch.answered || !partner || partner.hungUp) {
      tx.reply(403, { reason: 'No Call To Transfer' });
      return;
    }
    if (!target.replaces && !target.user) {
      tx.reply(403, { reason: 'No User In Refer-To' });
      return;
    }
    const sub = new ReferSubscription(this, req);
    const accepted = createResponse(req, 202);
    accepted.addHeader('Contact', this.dialog?.localContact ?? `<${this.stack.contactUri()}>`);
    if (!sub.enabled) accepted.addHeader('Refer-Sub', 'false');
    tx.respond(accepted);
    sub.notify(100, 'Trying', false);
    ch.setVariable('sip_refer_to', target.raw);
    const referredBy = req.get('referred-by');
    if (referredBy) partner.setVariable('sip_referred_by', referredBy);
    if (target.replaces) {
      void this.#attendedTransfer(target.replaces, sub, partner);
      return;
    }
    // Blind: the partner goes through the dialplan to the new number, in the transferor's
    // context (a carrier's REFER stays in the public context, so it reaches no gateway).
    const context = ch.getVariable('user_context') ?? (ch.direction === 'inbound' ? ch.profile.context : ch.originator?.profile.context ?? ch.profile.context);
    ch.setVariable('transfer_disposition', 'recv_replace');
    partner.setVariable('transfer_disposition', undefined);
    partner.setVariable('sip_refer_to', target.raw);
    if (!this.endpoint.core.transfer(partner, target.user, 'XML', context)) {
      ch.setVariable('transfer_disposition', undefined);
      sub.notify(403, 'Forbidden', true);
      return;
    }
    ch.log.info({ to: target.user, context, transferee: partner.uuid }, 'blind transfer (REFER)');
    sub.notify(200, 'OK', true);
    ch.hangup('BLIND_TRANSFER');
  }

  /**
   * Semi-attended: the call the Replaces names is the phone's own call still ringing its
   * target. As FreeSWITCH does, that call is cancelled and the transferee is sent to the number
   * it was ringing, in the transferor's context (the target rings again, now for the transferee).
   */
  #semiAttended(ringing: Channel, sub: ReferSubscription, partner: Channel): void {
    const ch = this.channel;
    const dest = ringing.profile.destinationNumber;
    const context = ringing.profile.context;
    ch.setVariable('transfer_disposition', 'replaced');
    ringing.hangup('ORIGINATOR_CANCEL');
    partner.setVariable('transfer_disposition', undefined);
    if (!this.endpoint.core.transfer(partner, dest, 'XML', context)) {
      sub.notify(500, 'Server Internal Error', true);
      return;
    }
    ch.log.info({ to: dest, context, transferee: partner.uuid }, 'semi-attended transfer (REFER with Replaces of a ringing call)');
    sub.notify(200, 'OK', true);
    ch.hangup('ATTENDED_TRANSFER');
  }

  /** The attended part of onRefer: the Replaces must name another call of the same phone. */
  async #attendedTransfer(rep: ReplacesTarget, sub: ReferSubscription, partner: Channel): Promise<void> {
    const ch = this.channel;
    const entry = this.stack.findDialogEntry(rep.callId, rep.toTag, rep.fromTag) ?? this.stack.findDialogEntry(rep.callId, rep.fromTag, rep.toTag);
    const other = entry?.user instanceof SipLeg ? entry.user : undefined;
    if (!other || other === this || other.channel.hungUp) {
      sub.notify(481, 'Call/Transaction Does Not Exist', true);
      return;
    }
    // No call hijack: the replaced call must be the transferor's own, with the same phone.
    if (other.hop.address !== this.hop.address || other.hop.port !== this.hop.port) {
      ch.log.warn({ replaces: rep.callId }, 'REFER with Replaces naming a call of another phone: refused');
      sub.notify(403, 'Forbidden', true);
      return;
    }
    const otherCh = other.channel;
    const far = otherCh.partner;
    if (!far && !otherCh.answered && otherCh.direction === 'inbound' && this.endpoint.core.isExecuting(otherCh)) {
      this.#semiAttended(otherCh, sub, partner);
      return;
    }
    if (!otherCh.answered || !far || far.hungUp || far === partner) {
      sub.notify(481, 'Call/Transaction Does Not Exist', true);
      return;
    }
    ch.setVariable('transfer_disposition', 'replaced');
    otherCh.setVariable('transfer_disposition', 'replaced');
    const core = this.endpoint.core;
    const bridged = await uuidBridge(core, core.takeover, partner, far, 2000);
    if (!bridged) {
      sub.notify(500, 'Server Internal Error', true);
      for (const c of [ch, otherCh]) if (!c.hungUp) c.hangup('NORMAL_TEMPORARY_FAILURE');
      return;
    }
    ch.log.info({ a: partner.uuid, b: far.uuid }, 'attended transfer (REFER with Replaces)');
    sub.notify(200, 'OK', true);
    ch.hangup('ATTENDED_TRANSFER');
    otherCh.hangup('ATTENDED_TRANSFER');
  }

  /**
   * A re-INVITE or UPDATE: an SDP offer is relayed to the bridged partner and its answer
   * returned; a session refresh (same SDP, or none) is answered with our current SDP.
   */
  protected async onReinvite(req: SipRequest, tx: ServerTransaction): Promise<void> {
    const ch = this.channel;
    const offer = req.body.length > 0 && req.contentType === SDP ? req.body : undefined;
    const partner = ch.partner;
    let answer: Buffer | undefined = ch.localSdp;
    if (offer && !(ch.remoteSdp && ch.remoteSdp.equals(offer))) {
      const relay = (sdp: Buffer) => (partner && !partner.hungUp ? partner.driver.renegotiate?.(partner, sdp) ?? Promise.resolve(undefined) : Promise.resolve(undefined));
      const media = this.endpoint.core.media;
      // Without a media layer the offer goes to the partner as is (what bypass mode does).
      const ours = media ? await media.reoffer(ch, offer, relay) : await relay(offer);
      if (ours === null) {
        tx.reply(488);
        return;
      }
      if (!media) ch.remoteSdp = offer;
      answer = ours ?? answer;
    }
    const res = createResponse(req, 200);
    res.addHeader('Contact', this.dialog?.localContact ?? `<${this.stack.contactUri()}>`);
    this.addSessionTimer(req, res);
    if (answer && (offer || req.method === 'INVITE')) res.setBody(answer, SDP);
    tx.respond(res);
  }

  /**
   * Send our own re-INVITE with `sdp` on this leg (relaying the partner's) and resolve with
   * the far end's answer; null when it refuses.
   */
  renegotiate(channel: Channel, sdp: Buffer): Promise<Buffer | null | undefined> {
    const d = this.dialog;
    if (!d || d.state !== 'confirmed' || channel.hungUp) return Promise.resolve(undefined);
    const req = d.createRequest('INVITE', { body: sdp, contentType: SDP });
    return new Promise((resolve) => {
      this.stack.sendRequest(req, this.hop, {
        onResponse: (res: SipResponse) => {
          if (res.status < 200) return;
          if (res.status < 300) {
            const ack = d.createRequest('ACK', { cseq: req.cseq?.seq });
            this.stack.sendStateless(ack, this.hop);
            channel.localSdp = sdp;
            if (res.body.length > 0) channel.remoteSdp = res.body;
            resolve(res.body.length > 0 ? res.body : undefined);
          } else resolve(null);
        },
        onTimeout: () => resolve(null),
        onTransportError: () => resolve(null),
      });
    });
  }

  /** RFC 4028: answer an offered session timer, letting the phone refresh. */
  protected addSessionTimer(req: SipRequest, res: SipResponse): void {
    const se = req.get('session-expires');
    if (!se) return;
    const secs = Number.parseInt(se, 10);
    if (!Number.isFinite(secs)) return;
    res.addHeader('Session-Expires', `${Math.max(90, secs)};refresher=uac`);
    if (req.optionTags('supported').includes('timer')) res.addHeader('Require', 'timer');
  }
}

/** The caller's side: we are the UAS of their INVITE. */
export class InboundLeg extends SipLeg {
  readonly invite: SipRequest;
  readonly tx: InviteServerTransaction;
  readonly toTag = newTag();
  #acked = false;
  #byePending: HangupCause | undefined;
  #reliableSeq = 0;

  constructor(endpoint: SofiaEndpoint, invite: SipRequest, tx: InviteServerTransaction) {
    super(endpoint, endpoint.stack.responseHop(invite)!);
    this.invite = invite;
    this.tx = tx;
    tx.user = {
      onCancel: (_tx, cancel) => {
        // The CANCEL's Reason, when it has one, names the cause (spec §5.7).
        this.channel.setVariable('sip_hangup_disposition', 'recv_cancel');
        this.channel.hangup(causeFromReasonHeader(cancel.get('reason')) ?? 'ORIGINATOR_CANCEL');
      },
      onAck: (_tx, ack) => this.onAck(ack),
      onTimeout: () => {
        // No ACK for our 2xx (§13.3.1.4): end the session.
        if (this.channel.answered && !this.#acked) {
          this.#acked = true;
          this.sendBye('RECOVERY_ON_TIMER_EXPIRE');
          this.channel.hangup('RECOVERY_ON_TIMER_EXPIRE');
        }
      },
    };
  }

  #respond(status: number, sdp?: Buffer, extra: Array<[string, string]> = []): SipResponse {
    const res = createResponse(this.invite, status, { toTag: this.toTag });
    if (status >= 101 && status < 300) res.addHeader('Contact', `<${this.endpoint.contactFor(this.invite)}>`);
    if (status >= 200 && status < 300) res.addHeader('Allow', DIALOG_ALLOW);
    for (const [k, v] of extra) res.addHeader(k, v);
    if (status < 200 && status > 100 && this.invite.optionTags('require').includes('100rel')) {
      res.addHeader('Require', '100rel');
      res.addHeader('RSeq', String(++this.#reliableSeq));
    }
    for (const [k, v] of this.channel.variables) {
      if (status < 200 && k.startsWith('sip_ph_')) res.addHeader(k.slice(7), v);
      else if (k.startsWith('sip_rh_')) res.addHeader(k.slice(7), v);
    }
    if (status === 200) this.addSessionTimer(this.invite, res);
    if (sdp) res.setBody(sdp, SDP);
    // A provisional response with our tag starts the early dialog (RFC 3261 §12.1.1): PRACK,
    // UPDATE or an early BYE from the caller must find it.
    if (status > 100 && status < 300 && !this.dialog) {
      this.dialog = Dialog.asUas(this.invite, res, `<${this.endpoint.contactFor(this.invite)}>`);
      this.stack.addDialog(this.dialog, this);
    }
    this.tx.respond(res);
    return res;
  }

  ringReady(channel: Channel): void {
    if (this.tx.state !== 'proceeding') return;
    this.#respond(180);
    channel.markRinging();
  }

  /**
   * Answering with no SDP decided yet: the media layer answers the caller's offer here first
   * (default mode), then `then` runs with it. False when nothing needed doing.
   */
  #withLocalMedia(channel: Channel, sdp: Buffer | undefined, then: (sdp: Buffer) => void): boolean {
    const media = this.endpoint.core.media;
    if (sdp || channel.localSdp || !channel.remoteSdp || !media) return false;
    media.answerLocally(channel).then(
      (local) => {
        if (!channel.hungUp) then(local);
      },
      (err: unknown) => {
        if (!(err instanceof MediaRefusal)) channel.log.error({ err }, 'answering the offer failed');
        channel.hangup(err instanceof MediaRefusal ? err.hangupCause : 'NORMAL_TEMPORARY_FAILURE');
      },
    );
    return true;
  }

  preAnswer(channel: Channel, sdp?: Buffer): void {
    if (this.tx.state !== 'proceeding') return;
    if (this.#withLocalMedia(channel, sdp, (local) => this.preAnswer(channel, local))) return;
    const body = sdp ?? channel.localSdp;
    if (body) channel.localSdp = body;
    this.#respond(183, body);
    channel.markEarlyMedia(undefined);
  }

  answer(channel: Channel, sdp?: Buffer): void {
    if (this.tx.state !== 'proceeding') return;
    if (this.#withLocalMedia(channel, sdp, (local) => this.answer(channel, local))) return;
    const body = sdp ?? channel.localSdp;
    if (body) channel.localSdp = body;
    this.#respond(200, body);
    this.dialog?.confirm();
    this.endpoint.core.media?.answered(channel);
    channel.setVariable('sip_invite_failure_status', undefined);
    channel.markAnswered(undefined);
  }

  /** `respond` app: a specific final or provisional answer on an unanswered call. */
  respond(channel: Channel, status: number, reason?: string): void {
    if (this.tx.state !== 'proceeding') return;
    if (status < 200) {
      const res = createResponse(this.invite, status, { toTag: this.toTag, reason });
      this.tx.respond(res);
      return;
    }
    const res = createResponse(this.invite, status, { toTag: this.toTag, reason });
    if ((status === 401 || status === 407) && this.endpoint.challenge) {
      for (const [k, v] of this.endpoint.challenge(this.invite, status)) res.addHeader(k, v);
    }
    this.tx.respond(res);
    this.endDialog();
    channel.setVariable('sip_hangup_disposition', 'send_refuse');
    channel.hangup(causeFromSip(status));
  }

  protected override onAck(ack: SipRequest): void {
    if (this.#acked) return;
    this.#acked = true;
    // Late offer (an INVITE without SDP): our 200 made the offer, the ACK carries the answer.
    if (!this.channel.remoteSdp && ack.body.length > 0 && ack.contentType === SDP) {
      this.channel.remoteSdp = ack.body;
      this.endpoint.core.media?.remoteAnswer(this.channel, ack.body);
    }
    if (this.#byePending) this.sendBye(this.#byePending);
  }

  hangup(channel: Channel, cause: HangupCause): void {
    if (this.tx.state === 'proceeding') {
      // Unanswered: a final error. The B-leg's own status is reused when it failed a bridge.
      let status = causeToSipStatus(cause);
      const proto = channel.getVariable('last_bridge_proto_specific_hangup_cause');
      if (proto?.startsWith('sip:') && !channel.isTrue('sip_ignore_remote_cause') && cause !== 'ORIGINATOR_CANCEL') {
        const n = Number(proto.slice(4));
        if (n >= 300 && n < 700) status = n;
      }
      channel.setVariable('sip_hangup_disposition', 'send_refuse');
      const res = createResponse(this.invite, status, { toTag: this.toTag });
      if (!channel.isTrue('disable_q850_reason')) res.addHeader('Reason', buildReasonHeader(cause));
      this.tx.respond(res);
      this.endDialog();
      return;
    }
    if (!this.channel.answered) {
      this.endDialog(); // cancelled: the stack answered 487, the early dialog ends
      return;
    }
    if (!this.dialog || this.dialog.state === 'terminated') return;
    // §15: no BYE before the ACK of our 2xx (or the transaction's timeout).
    if (!this.#acked) {
      this.#byePending = cause;
      return;
    }
    this.sendBye(cause);
  }
}

/** The far side of a bridge: we are the UAC of the INVITE we send. */
export class OutboundLeg extends SipLeg implements ClientTransactionUser {
  /** The INVITE in flight; a subclass replaces it when it answers a 401/407 (gateway legs). */
  request: SipRequest;
  tx: InviteClientTransaction | undefined;
  #answeredSent = false;

  constructor(endpoint: SofiaEndpoint, request: SipRequest, hop: Hop) {
    super(endpoint, hop);
    this.request = request;
  }

  start(): void {
    this.tx = this.stack.sendRequest(this.request, this.hop, this) as InviteClientTransaction;
  }

  ringReady(): void {}
  preAnswer(): void {}
  answer(): void {}

  onResponse(res: SipResponse, _tx: ClientTransaction): void {
    const ch = this.channel;
    const status = res.status;
    if (status < 200) {
      if (status === 100 || ch.hungUp) return;
      const sdp = res.body.length > 0 && res.contentType === SDP ? res.body : undefined;
      if (sdp) this.endpoint.core.media?.remoteAnswer(ch, sdp);
      if (sdp || status === 183) ch.markEarlyMedia(sdp);
      else ch.markRinging();
      return;
    }
    if (status < 300) {
      const dialog = this.#confirm(res);
      const ack = dialog.createRequest('ACK', { cseq: this.request.cseq?.seq });
      this.stack.sendStateless(ack, this.hop);
      if (ch.hungUp) {
        // Answered after we gave up (CANCEL raced the 200): ACK, then BYE (§9.1).
        this.sendBye(ch.hangupCause ?? 'ORIGINATOR_CANCEL');
        return;
      }
      if (this.#answeredSent) return; // a retransmitted 2xx
      this.#answeredSent = true;
      const sdp = res.body.length > 0 ? res.body : undefined;
      ch.setVariable('sip_term_status', undefined);
      const media = this.endpoint.core.media;
      if (sdp) media?.remoteAnswer(ch, sdp);
      media?.answered(ch);
      ch.markAnswered(sdp);
      return;
    }
    if (ch.hungUp) return;
    ch.setVariable('sip_term_status', String(status));
    ch.setVariable('sip_term_cause', status < 700 ? String(status) : undefined);
    ch.setVariable('proto_specific_hangup_cause', `sip:${status}`);
    ch.setVariable('sip_invite_failure_status', String(status));
    ch.setVariable('sip_invite_failure_phrase', res.reason);
    ch.setVariable('sip_hangup_disposition', 'recv_refuse');
    ch.hangup(causeFromSip(status, res.get('reason')));
  }

  #confirm(res: SipResponse): Dialog {
    if (this.dialog && this.dialog.remoteTag === res.toTag) {
      this.dialog.updateFromResponse(res);
      return this.dialog;
    }
    const contact = this.request.get('contact') ?? `<${this.stack.contactUri()}>`;
    this.dialog = Dialog.asUac(this.request, res, contact);
    this.stack.addDialog(this.dialog, this);
    return this.dialog;
  }

  onTimeout(): void {
    const ch = this.channel;
    if (ch.hungUp) return;
    ch.setVariable('sip_term_status', '408');
    ch.setVariable('proto_specific_hangup_cause', 'sip:408');
    ch.hangup('RECOVERY_ON_TIMER_EXPIRE');
  }

  onTransportError(): void {
    const ch = this.channel;
    if (ch.hungUp) return;
    ch.setVariable('sip_term_status', '503');
    ch.hangup('NORMAL_TEMPORARY_FAILURE');
  }

  hangup(channel: Channel, cause: HangupCause): void {
    if (this.dialog && this.dialog.state === 'confirmed') {
      this.sendBye(cause);
      return;
    }
    if (this.tx && (this.tx.state === 'calling' || this.tx.state === 'proceeding')) {
      channel.setVariable('sip_hangup_disposition', 'send_cancel');
      const reason = channel.isTrue('disable_q850_reason') ? undefined : buildReasonHeader(cause);
      this.stack.cancel(this.tx, reason);
    }
  }
}

const IGNORE: ClientTransactionUser = { onResponse() {}, onTimeout() {}, onTransportError() {} };
