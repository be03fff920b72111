// Media for calls: which mode a leg runs in (bypass, proxy or default, spec §4.4), the SDP we
// send in each mode, and the RTP endpoints behind them. Bypass passes SDP end to end and touches
// no packet; proxy puts our relay's address in the SDP and forwards packets untouched; default
// terminates media on each leg (our own SDP, codecs negotiated per leg, transcoding, players).
// The first audio stream goes through us; the first video stream is relayed as it is (never
// transcoded) in proxy and default mode; other streams are declined in proxy/default.

import { SoftswitchError, type Logger } from '../../common/index.js';
import {
  MediaEngine, PortsExhaustedError, answerMediaSpec, buildSdp, describeMedia, negotiateAnswer, negotiateOffer, offerAudioSpec,
  parseCodecPrefs, parseSdp, rewriteSdpAddresses, SdpParseError,
  type CodecPref, type DtmfMode, type LocalSdpSpec, type MediaEndpoint, type NegotiatedMedia, type Playback, type RemoteMedia,
} from '../../rtp/index.js';
import type { Channel } from '../channel.js';
import type { HangupCause } from '../causes.js';

export type MediaMode = 'bypass' | 'proxy' | 'default';

/** What applications need from the media layer, through this module (apps/ does not import rtp/). */
export { MediaSourceError, type MediaEndpoint, type Playback } from '../../rtp/index.js';

/** Thrown when a leg's SDP cannot be served: the caller answers with `cause` (488, 503). */
export class MediaRefusal extends SoftswitchError {
  readonly hangupCause: HangupCause;

  constructor(hangupCause: HangupCause, message: string) {
    super('ERR_MEDIA_REFUSED', message);
    this.hangupCause = hangupCause;
  }
}

interface LegState {
  ep: MediaEndpoint | undefined;
  allocating: Promise<MediaEndpoint> | undefined;
  /** Our last SDP on this leg and its o= session (version bumped on every change). */
  sessionId: number;
  version: number;
  /** Our offer on an outbound leg in default mode, to read the answer against. */
  ourOffer: LocalSdpSpec | undefined;
  /** The negotiated audio stream (default mode). */
  audio: NegotiatedMedia | undefined;
  join: { unbridge(): void; peer: Channel } | undefined;
  /** The relay endpoint of the first video stream (passed through in every mode), and its join. */
  video: MediaEndpoint | undefined;
  videoJoin: { unbridge(): void } | undefined;
  /** join() asked while this leg's answer was still due (late offer): done in remoteAnswer(). */
  wantJoin: Channel | undefined;
  /** answerLocally() in progress or done: one negotiation per offer. */
  answering: Promise<Buffer> | undefined;
  /** The far end put this leg on hold (sendonly/inactive/c=0.0.0.0 in its last offer). */
  held: boolean;
  /** While held: the partner and the music it hears. */
  holdPeer: Channel | undefined;
  holdPlayback: Playback | undefined;
}

export interface CallMediaOptions {
  engine: MediaEngine;
  logger: Logger;
  /** Codec preferences of the profile a channel belongs to (inbound and outbound lists). */
  prefs(channel: Channel): { inbound: string; outbound: string };
  /** DTMF mode and telephone-event payload type of the channel's profile. */
  dtmf(channel: Channel): { mode: DtmfMode; pt: number };
  /** Media timeouts (`rtp-timeout-sec`, `rtp-hold-timeout-sec`); 0 = none. */
  timeouts(channel: Channel): { timeoutSec: number; holdTimeoutSec: number };
  /** Where the channel's RTP is bound and what its SDP advertises (its profile's rtp-ip, ext-rtp-ip). */
  addresses?(channel: Channel): { rtpIp: string; advertisedIp: string | undefined } | undefined;
  /** The profile's hold music (`hold-music`), when the channel has no `hold_music` variable. */
  holdMusic?(channel: Channel): string | undefined;
}

export class CallMedia {
  readonly engine: MediaEngine;
  readonly #o: CallMediaOptions;
  readonly #log: Logger;
  readonly #legs = new WeakMap<Channel, LegState>();

  constructor(o: CallMediaOptions) {
    this.engine = o.engine;
    this.#o = o;
    this.#log = o.logger.child({ mod: 'media' });
  }

  /**
   * The mode of a call: `bypass_media` / `proxy_media` on the leg or on the channel that
   * originated it (the dialplan sets them before bridge), default otherwise.
   */
  modeOf(ch: Channel): MediaMode {
    const root = ch.originator ?? ch;
    if (ch.isTrue('bypass_media') || root.isTrue('bypass_media')) return 'bypass';
    if (ch.isTrue('proxy_media') || root.isTrue('proxy_media')) return 'proxy';
    return 'default';
  }

  /** The leg's RTP endpoint, when it has one. */
  endpoint(ch: Channel): MediaEndpoint | undefined {
    return this.#legs.get(ch)?.ep;
  }

  #state(ch: Channel): LegState {
    let s = this.#legs.get(ch);
    if (!s) {
      s = {
        ep: undefined, allocating: undefined, sessionId: Math.floor(Math.random() * 1e9), version: 1, ourOffer: undefined, audio: undefined,
        join: undefined, video: undefined, videoJoin: undefined, wantJoin: undefined, answering: undefined, held: false, holdPeer: undefined, holdPlayback: undefined,
      };
      this.#legs.set(ch, s);
      ch.once('hangup', () => void this.release(ch));
    }
    return s;
  }

  async #endpoint(ch: Channel): Promise<MediaEndpoint> {
    const s = this.#state(ch);
    if (s.ep) return s.ep;
    if (!s.allocating) {
      const where = this.#o.addresses?.(ch);
      s.allocating = this.engine
        .allocate({
          ...(where ? { rtpIp: where.rtpIp, advertisedIp: where.advertisedIp } : {}),
          handler: {
            onMediaTimeout: () => {
              ch.log.info({ mod: 'media' }, 'no RTP for the media timeout: hanging up');
              ch.hangup('MEDIA_TIMEOUT');
            },
            onDtmf: (_ep, d) => ch.emit('dtmf', d.digit, d.durationSamples, 'RTP'),
            // The bridged partner pressed a digit and this leg takes DTMF as SIP INFO.
            onSendInfoDtmf: (_ep, d) => ch.driver.sendDtmf?.(ch, d.digit, d.durationMs),
          },
        })
        .catch((err: unknown) => {
          if (err instanceof PortsExhaustedError) throw new MediaRefusal('NORMAL_TEMPORARY_FAILURE', 'no free RTP ports');
          throw err;
        });
    }
    const ep = await s.allocating;
    if (ch.hungUp) {
      await ep.close();
      throw new MediaRefusal('NORMAL_CLEARING', 'channel hung up while media was set up');
    }
    s.ep = ep;
    return ep;
  }

  /** A second relay endpoint for the leg's first video stream (never transcoded). */
  async #videoEndpoint(ch: Channel): Promise<MediaEndpoint | undefined> {
    const s = this.#state(ch);
    if (s.video) return s.video;
    const where = this.#o.addresses?.(ch);
    try {
      const ep = await this.engine.allocate({ ...(where ? { rtpIp: where.rtpIp, advertisedIp: where.advertisedIp } : {}), handler: {} });
      if (ch.hungUp || s.video) {
        await ep.close();
        return s.video;
      }
      s.video = ep;
      return ep;
    } catch (err) {
      if (!(err instanceof PortsExhaustedError)) throw err;
      ch.log.warn({ mod: 'media' }, 'no free RTP ports for video: the video stream is declined');
      return undefined;
    }
  }

  /** Relay ports for a proxied description: ours on its first audio and first video stream. */
  async #relayPorts(ch: Channel, sdp: Buffer, audioPort: number): Promise<Array<number | undefined>> {
    const wantsVideo = describeMedia(parseSdp(sdp.toString('utf8'))).some((m) => m.type === 'video' && m.port !== 0);
    const video = wantsVideo ? await this.#videoEndpoint(ch) : undefined;
    return relayPorts(sdp, audioPort, video?.port);
  }

  /** Point a leg's video relay at the video stream of `sdp` (the far end's description). */
  #videoRemote(ch: Channel, sdp: Buffer): void {
    const video = this.#legs.get(ch)?.video;
    if (!video) return;
    const m = describeMedia(parseSdp(sdp.toString('utf8'))).find((d) => d.type === 'video' && d.port !== 0);
    if (m) video.setRemote(remoteOf(m));
  }

  #prefs(ch: Channel, which: 'inbound' | 'outbound'): CodecPref[] {
    const codecString = ch.getVariable('absolute_codec_string') ?? ch.getVariable('codec_string');
    return parseCodecPrefs(codecString ?? this.#o.prefs(ch)[which]);
  }

  #sdp(ch: Channel, ep: MediaEndpoint, media: LocalSdpSpec['media']): Buffer {
    const s = this.#state(ch);
    const spec: LocalSdpSpec = { address: ep.advertisedIp, sessionId: s.sessionId, sessionVersion: s.version++, username: 'softswitch', sessionName: 'softswitch', media };
    return Buffer.from(buildSdp(spec));
  }

  #armTimeouts(ch: Channel, ep: MediaEndpoint): void {
    const t = this.#o.timeouts(ch);
    ep.setMediaTimeout({ timeoutMs: t.timeoutSec * 1000, holdTimeoutMs: t.holdTimeoutSec * 1000 });
  }

  /**
   * Default mode on an inbound leg: answer its offer with our own SDP (codecs by the
   * profile's inbound prefs, `prefer` first when given so a bridge need not transcode).
   */
  answerLocally(a: Channel, prefer?: NegotiatedMedia['codec']): Promise<Buffer> {
    const s = this.#state(a);
    s.answering ??= this.#answerOffer(a, prefer);
    return s.answering;
  }

  async #answerOffer(a: Channel, prefer?: NegotiatedMedia['codec']): Promise<Buffer> {
    const offer = a.remoteSdp;
    if (!offer) throw new MediaRefusal('INCOMPATIBLE_DESTINATION', 'no SDP offer to answer (late offer is not supported)');
    let sd;
    try {
      sd = parseSdp(offer.toString('utf8'));
    } catch (err) {
      if (err instanceof SdpParseError) throw new MediaRefusal('INCOMPATIBLE_DESTINATION', err.message);
      throw err;
    }
    let prefs = this.#prefs(a, 'inbound');
    if (prefer) prefs = [{ name: prefer.name, clockRate: prefer.clockRate } as CodecPref, ...prefs];
    const dtmf = this.#o.dtmf(a);
    const neg = negotiateOffer(sd, { prefs, mode: 'generous', dtmf: dtmf.mode, video: true });
    if (!neg.ok) throw new MediaRefusal('INCOMPATIBLE_DESTINATION', neg.reason);
    const ep = await this.#endpoint(a);
    const audio = neg.media.find((m) => m.type === 'audio' && m.accepted);
    if (!audio) throw new MediaRefusal('INCOMPATIBLE_DESTINATION', 'no audio stream');
    // Video passes through (never transcoded): its own relay endpoint, joined to the partner's.
    const videoNeg = neg.media.find((m) => m.type === 'video' && m.accepted);
    const video = videoNeg ? await this.#videoEndpoint(a) : undefined;
    if (video && videoNeg) video.setRemote(remoteOf(videoNeg.remote));
    ep.setRemote({ address: audio.remote.address, port: audio.remote.port, rtcpAddress: audio.remote.rtcpAddress, rtcpPort: audio.remote.rtcpPort, rtcpMux: audio.remote.rtcpMux });
    ep.setCodec(audio.codec!, { telephoneEvent: audio.telephoneEvent, dtmfMode: dtmf.mode });
    this.#state(a).audio = audio;
    setCodecVariables(a, audio);
    const sdp = this.#sdp(a, ep, neg.media.map((m) => {
      if (m === audio) return answerMediaSpec(m, ep.port, ep.rtcpPort);
      if (m === videoNeg && video) return answerMediaSpec(m, video.port, video.rtcpPort);
      return answerMediaSpec({ ...m, accepted: false }, 0);
    }));
    a.localSdp = sdp;
    return sdp;
  }

  /** The SDP to offer on a new outbound leg `b` created for `a` (undefined: none to offer). */
  async offerFor(b: Channel, a: Channel | undefined): Promise<Buffer | undefined> {
    // A caller whose media already ends here (answered by us, playing …) keeps it: the new leg
    // gets our own offer whatever the mode, and the bridge joins the two endpoints.
    const aLocal = a !== undefined && this.#legs.get(a)?.audio !== undefined;
    const mode = aLocal ? 'default' : this.modeOf(b);
    const aOffer = a?.remoteSdp;
    if (mode === 'bypass') return aOffer;
    const ep = await this.#endpoint(b);
    if (mode === 'proxy' && aOffer) {
      const ports = await this.#relayPorts(b, aOffer, ep.port);
      return Buffer.from(rewriteSdpAddresses(aOffer.toString('utf8'), { address: ep.advertisedIp, ports }));
    }
    return this.#ownOffer(b, ep, 'outbound', aOffer);
  }

  /**
   * Our own offer on a leg (default mode), kept to read the answer against. When the caller's
   * offer (`passVideo`) has a video stream, ours offers the same video codecs on a relay of ours.
   */
  async #ownOffer(ch: Channel, ep: MediaEndpoint, prefs: 'inbound' | 'outbound', passVideo?: Buffer): Promise<Buffer> {
    const dtmf = this.#o.dtmf(ch);
    const spec = offerAudioSpec(this.#prefs(ch, prefs), { port: ep.port, rtcpPort: ep.rtcpPort, telephoneEventPt: dtmf.mode === 'rfc2833' ? dtmf.pt : undefined });
    const media: LocalSdpSpec['media'] = [spec];
    const callerVideo = passVideo ? describeMedia(parseSdp(passVideo.toString('utf8'))).find((m) => m.type === 'video' && m.port !== 0 && m.codecs.length > 0) : undefined;
    const video = callerVideo ? await this.#videoEndpoint(ch) : undefined;
    if (callerVideo && video) media.push({ type: 'video', port: video.port, protocol: callerVideo.protocol, codecs: callerVideo.codecs, direction: 'sendrecv', rtcpPort: video.rtcpPort });
    const s = this.#state(ch);
    s.ourOffer = { address: ep.advertisedIp, sessionId: s.sessionId, sessionVersion: s.version, media };
    return this.#sdp(ch, ep, media);
  }

  /** The far end of outbound leg `b` answered our offer (in a 18x or the 200). */
  remoteAnswer(b: Channel, sdp: Buffer): void {
    const s = this.#legs.get(b);
    const ep = s?.ep;
    if (!ep) return; // bypass: nothing of ours in the path
    let sd;
    try {
      sd = parseSdp(sdp.toString('utf8'));
    } catch {
      return;
    }
    if (!s.ourOffer) {
      const audio = describeMedia(sd).find((m) => m.type === 'audio' && m.port !== 0);
      if (audio) ep.setRemote(remoteOf(audio));
      this.#videoRemote(b, sdp);
      return;
    }
    const neg = negotiateAnswer(s.ourOffer, sd);
    if (!neg.ok) {
      b.log.warn({ reason: neg.reason }, 'the answer to our offer is unusable');
      return;
    }
    const audio = neg.media.find((m) => m.type === 'audio' && m.accepted);
    if (!audio) return;
    ep.setRemote(remoteOf(audio.remote));
    const dtmf = this.#o.dtmf(b);
    ep.setCodec(audio.codec!, { telephoneEvent: audio.telephoneEvent, dtmfMode: dtmf.mode });
    s.audio = audio;
    setCodecVariables(b, audio);
    const video = neg.media.find((m) => m.type === 'video' && m.accepted);
    if (video && s.video) s.video.setRemote(remoteOf(video.remote));
    const peer = s.wantJoin;
    s.wantJoin = undefined;
    if (peer && !peer.hungUp && !b.hungUp) this.join(b, peer);
  }

  /**
   * What to answer (or pre-answer) inbound leg `a` with now that `b` sent media: its SDP as
   * is (bypass), rewritten to our relay (proxy), or our own answer preferring b's codec.
   */
  async answerFor(a: Channel, b: Channel): Promise<Buffer | undefined> {
    if (this.#legs.get(a)?.audio) return a.localSdp; // answered locally already
    const mode = this.#legs.get(b)?.ourOffer ? 'default' : this.modeOf(b);
    if (mode === 'bypass') return b.remoteSdp;
    if (mode === 'proxy') {
      const bSdp = b.remoteSdp;
      const aOffer = a.remoteSdp;
      if (!bSdp || !aOffer) return bSdp;
      const ep = await this.#endpoint(a);
      const audio = describeMedia(parseSdp(aOffer.toString('utf8'))).find((m) => m.type === 'audio' && m.port !== 0);
      if (audio) ep.setRemote(remoteOf(audio));
      // Video only when the callee kept it (its answer's video port is not 0).
      const ports = this.#legs.get(b)?.video ? await this.#relayPorts(a, bSdp, ep.port) : relayPorts(bSdp, ep.port, undefined);
      this.#videoRemote(a, aOffer);
      const sdp = Buffer.from(rewriteSdpAddresses(bSdp.toString('utf8'), { address: ep.advertisedIp, ports }));
      a.localSdp = sdp;
      return sdp;
    }
    if (!a.remoteSdp) return this.#lateOffer(a);
    return this.answerLocally(a, this.#legs.get(b)?.audio?.codec);
  }

  /**
   * A caller that sent no SDP (late offer): our offer goes in its 200 and the answer comes in
   * the ACK (remoteAnswer). The offer is made once per leg.
   */
  async #lateOffer(a: Channel): Promise<Buffer> {
    const s = this.#state(a);
    if (s.ourOffer && a.localSdp) return a.localSdp;
    const sdp = await this.#ownOffer(a, await this.#endpoint(a), 'inbound');
    a.localSdp = sdp;
    return sdp;
  }

  /** Join the media of two legs (proxy relay or default-mode bridge); nothing in bypass. */
  join(a: Channel, b: Channel): void {
    const sa = this.#legs.get(a);
    const sb = this.#legs.get(b);
    if (!sa?.ep || !sb?.ep) return;
    this.unjoin(a);
    this.unjoin(b);
    let join: { unbridge(): void };
    if (!sa.audio && !sb.audio) {
      join = this.engine.proxy(sa.ep, sb.ep); // proxy: neither leg terminates media here
      if (sa.video && sb.video) {
        const video = this.engine.proxy(sa.video, sb.video);
        sa.videoJoin = video;
        sb.videoJoin = video;
      }
    } else if (sa.ep.hasMedia && sb.ep.hasMedia) {
      join = this.engine.bridge(sa.ep, sb.ep);
      if (sa.video && sb.video) {
        const video = this.engine.proxy(sa.video, sb.video); // video passes through, never transcoded
        sa.videoJoin = video;
        sb.videoJoin = video;
      }
    } else {
      // A leg still waiting for the answer to our offer joins once it has it.
      if (sa.ourOffer && !sa.audio) sa.wantJoin = b;
      if (sb.ourOffer && !sb.audio) sb.wantJoin = a;
      return;
    }
    sa.join = { unbridge: () => join.unbridge(), peer: b };
    sb.join = { unbridge: sa.join.unbridge, peer: a };
    this.#armTimeouts(a, sa.ep);
    this.#armTimeouts(b, sb.ep);
  }

  /** Undo join(): each leg keeps its endpoint (hold music, a transfer …). */
  unjoin(ch: Channel): void {
    const s = this.#legs.get(ch);
    if (!s?.join) return;
    const peer = this.#legs.get(s.join.peer);
    s.join.unbridge();
    s.videoJoin?.unbridge();
    if (peer?.join?.peer === ch) {
      peer.join = undefined;
      peer.videoJoin = undefined;
    }
    s.join = undefined;
    s.videoJoin = undefined;
  }

  /** Whether the two legs' media are joined through us now. */
  joined(a: Channel, b: Channel): boolean {
    return this.#legs.get(a)?.join?.peer === b;
  }

  /** Whether the far end of this leg has put it on hold. */
  held(ch: Channel): boolean {
    return this.#legs.get(ch)?.held ?? false;
  }

  /**
   * The leg's own media (default mode), answering it locally first when needed: what echo,
   * playback and ringback play through.
   */
  async local(ch: Channel): Promise<MediaEndpoint> {
    const s = this.#state(ch);
    if (!s.ep?.hasMedia) {
      if (ch.direction === 'inbound') await this.answerLocally(ch);
      else throw new MediaRefusal('BEARERCAPABILITY_NOTAVAIL', 'this leg has no media of ours');
    }
    const ep = this.#legs.get(ch)!.ep!;
    return ep;
  }

  /** Arm the media timeout once a leg is answered. */
  answered(ch: Channel): void {
    const ep = this.#legs.get(ch)?.ep;
    if (ep) this.#armTimeouts(ch, ep);
  }

  /**
   * A re-INVITE (or UPDATE) offer from the far end of `ch`. Bypass: `relay` passes it to the
   * partner as is and its answer comes back. Proxy: the same, with the addresses rewritten
   * both ways and the relay re-pointed. Default: answered here (the partner is not involved);
   * a hold (sendonly, inactive, c=0.0.0.0) parks the partner on hold music until the unhold.
   * Resolves with the SDP to answer, or null to refuse (488).
   */
  async reoffer(ch: Channel, offer: Buffer, relay: (sdp: Buffer) => Promise<Buffer | null | undefined>): Promise<Buffer | null> {
    const s = this.#legs.get(ch);
    let parsed;
    try {
      parsed = parseSdp(offer.toString('utf8'));
    } catch {
      return null;
    }
    const audioOffer = describeMedia(parsed).find((m) => m.type === 'audio');
    if (!s?.ep) {
      // Bypass: end to end.
      const answer = await relay(offer);
      if (answer === null) return null;
      ch.remoteSdp = offer;
      return answer ?? ch.localSdp ?? null;
    }
    const ep = s.ep;
    if (!s.audio) {
      // Proxy: the partner sees our relay's address; we see the partner's answer rewritten.
      const partner = s.join?.peer ?? ch.partner;
      const pEp = partner ? this.#legs.get(partner)?.ep : undefined;
      if (audioOffer && audioOffer.port !== 0) ep.setRemote(remoteOf(audioOffer));
      this.#videoRemote(ch, offer);
      ch.remoteSdp = offer;
      if (!partner || !pEp) return ch.localSdp ?? null;
      const pVideo = this.#legs.get(partner)?.video;
      const answer = await relay(Buffer.from(rewriteSdpAddresses(offer.toString('utf8'), { address: pEp.advertisedIp, ports: relayPorts(offer, pEp.port, pVideo?.port) })));
      if (answer === null) return null;
      if (!answer) return ch.localSdp ?? null;
      const pAudio = describeMedia(parseSdp(answer.toString('utf8'))).find((m) => m.type === 'audio' && m.port !== 0);
      if (pAudio) pEp.setRemote(remoteOf(pAudio));
      this.#videoRemote(partner!, answer);
      partner!.remoteSdp = answer;
      const ours = Buffer.from(rewriteSdpAddresses(answer.toString('utf8'), { address: ep.advertisedIp, ports: relayPorts(answer, ep.port, s.video?.port) }));
      ch.localSdp = ours;
      return ours;
    }
    // Default: our own answer, keeping the codec in use when the offer still has it.
    const before = { remote: ch.remoteSdp, local: ch.localSdp, answering: s.answering };
    ch.remoteSdp = offer;
    s.answering = undefined;
    let answer: Buffer;
    try {
      answer = await this.answerLocally(ch, s.audio.codec);
    } catch (err) {
      // Refused: the call goes on with the media it had.
      ch.remoteSdp = before.remote;
      ch.localSdp = before.local;
      s.answering = before.answering;
      if (err instanceof MediaRefusal) return null;
      throw err;
    }
    const dir = s.audio?.remote.effectiveDirection;
    const held = dir === 'sendonly' || dir === 'inactive';
    if (held !== s.held) {
      s.held = held;
      ch.setCallState(held ? 'HELD' : 'ACTIVE');
      if (held) void this.#startHoldMusic(ch);
      else this.#stopHoldMusic(ch);
    }
    return answer;
  }

  /**
   * uuid_hold (default mode): hold the leg from here as if its phone had. Its partner hears
   * hold music, the phone gets a re-INVITE with a=sendonly; `off` undoes both. Resolves with
   * the new state, or undefined when the leg has no media of its own.
   */
  async hold(ch: Channel, want: 'on' | 'off' | 'toggle'): Promise<boolean | undefined> {
    const s = this.#legs.get(ch);
    if (!s?.ep || !s.audio || ch.hungUp) return undefined;
    const on = want === 'toggle' ? !s.held : want === 'on';
    if (on === s.held) return on;
    s.held = on;
    ch.setCallState(on ? 'HELD' : 'ACTIVE');
    if (on) void this.#startHoldMusic(ch);
    else this.#stopHoldMusic(ch);
    const spec: LocalSdpSpec['media'][number] = { ...answerMediaSpec(s.audio, s.ep.port, s.ep.rtcpPort), direction: on ? 'sendonly' : 'sendrecv' };
    await ch.driver.renegotiate?.(ch, this.#sdp(ch, s.ep, [spec]));
    return on;
  }

  /** The partner of a leg put on hold hears `hold_music` (default mode). */
  async #startHoldMusic(ch: Channel): Promise<void> {
    const s = this.#legs.get(ch)!;
    const peer = s.join?.peer ?? ch.partner;
    if (!peer) return;
    this.unjoin(ch);
    s.holdPeer = peer;
    const music = ch.getVariable('hold_music') ?? peer.getVariable('hold_music') ?? this.#o.holdMusic?.(ch) ?? 'local_stream://moh';
    const pEp = this.#legs.get(peer)?.ep;
    if (!pEp?.hasMedia || music === 'silence') return;
    try {
      const pb = await pEp.media.play(music.startsWith('%(') ? `tone_stream://${music}` : music, { loops: -1 });
      if (!s.held || s.holdPeer !== peer) pb.stop();
      else s.holdPlayback = pb;
    } catch (err) {
      ch.log.warn({ err, music }, 'hold music cannot play');
    }
  }

  #stopHoldMusic(ch: Channel): void {
    const s = this.#legs.get(ch)!;
    const peer = s.holdPeer;
    s.holdPlayback?.stop();
    s.holdPlayback = undefined;
    s.holdPeer = undefined;
    if (peer && !peer.hungUp && !ch.hungUp && peer.partner === ch) this.join(ch, peer);
  }

  async release(ch: Channel): Promise<void> {
    const s = this.#legs.get(ch);
    if (!s) return;
    s.holdPlayback?.stop();
    s.holdPlayback = undefined;
    this.unjoin(ch);
    const ep = s.ep ?? (s.allocating ? await s.allocating.catch(() => undefined) : undefined);
    s.ep = undefined;
    s.allocating = undefined;
    const video = s.video;
    s.video = undefined;
    if (video) await video.close().catch((err: unknown) => this.#log.warn({ err }, 'closing a media endpoint failed'));
    if (ep) await ep.close().catch((err: unknown) => this.#log.warn({ err }, 'closing a media endpoint failed'));
  }
}

function remoteOf(m: RemoteMedia): { address: string; port: number; rtcpAddress: string; rtcpPort: number; rtcpMux: boolean } {
  return { address: m.address, port: m.port, rtcpAddress: m.rtcpAddress, rtcpPort: m.rtcpPort, rtcpMux: m.rtcpMux };
}

/**
 * Ports for rewriting a proxied description: ours on the first audio m-line and (when we have a
 * video relay) on the first video one; 0 (declined) on the others; declined ones stay as they are.
 */
function relayPorts(sdp: Buffer, audioPort: number, videoPort: number | undefined): Array<number | undefined> {
  const media = describeMedia(parseSdp(sdp.toString('utf8')));
  let audioTaken = false;
  let videoTaken = false;
  return media.map((m) => {
    if (m.port === 0) return undefined;
    if (!audioTaken && m.type === 'audio') {
      audioTaken = true;
      return audioPort;
    }
    if (!videoTaken && m.type === 'video' && videoPort !== undefined) {
      videoTaken = true;
      return videoPort;
    }
    return 0;
  });
}

function setCodecVariables(ch: Channel, audio: NegotiatedMedia): void {
  const c = audio.codec;
  if (!c) return;
  ch.setVariable('read_codec', c.name.toUpperCase());
  ch.setVariable('write_codec', c.name.toUpperCase());
  ch.setVariable('read_rate', String(c.clockRate));
  ch.setVariable('write_rate', String(c.clockRate));
  ch.setVariable('rtp_use_codec_name', c.name.toUpperCase());
}
