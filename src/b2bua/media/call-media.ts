// Media for calls: which mode a leg runs in (bypass, proxy or default, spec §4.4), the SDP we
// send in each mode, and the RTP endpoints behind them. Bypass passes SDP end to end and touches
// no packet; proxy puts our relay's address in the SDP and forwards packets untouched; default
// terminates media on each leg (our own SDP, codecs negotiated per leg, transcoding, players).
// Only the first audio stream goes through us; other streams are declined in proxy/default.

import { SoftswitchError, type Logger } from '../../common/index.js';
import {
  MediaEngine, PortsExhaustedError, answerMediaSpec, buildSdp, describeMedia, negotiateAnswer, negotiateOffer, offerAudioSpec,
  parseCodecPrefs, parseSdp, rewriteSdpAddresses, SdpParseError,
  type CodecPref, type DtmfMode, type LocalSdpSpec, type MediaEndpoint, type NegotiatedMedia, type RemoteMedia,
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
  join: { unbridge(): void } | undefined;
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
      s = { ep: undefined, allocating: undefined, sessionId: Math.floor(Math.random() * 1e9), version: 1, ourOffer: undefined, audio: undefined, join: undefined };
      this.#legs.set(ch, s);
      ch.once('hangup', () => void this.release(ch));
    }
    return s;
  }

  async #endpoint(ch: Channel): Promise<MediaEndpoint> {
    const s = this.#state(ch);
    if (s.ep) return s.ep;
    if (!s.allocating) {
      s.allocating = this.engine
        .allocate({
          handler: {
            onMediaTimeout: () => {
              ch.log.info({ mod: 'media' }, 'no RTP for the media timeout: hanging up');
              ch.hangup('MEDIA_TIMEOUT');
            },
            onDtmf: (_ep, d) => ch.emit('dtmf', d.digit, d.durationSamples, 'RTP'),
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
  async answerLocally(a: Channel, prefer?: NegotiatedMedia['codec']): Promise<Buffer> {
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
    const neg = negotiateOffer(sd, { prefs, mode: 'generous', dtmf: dtmf.mode, video: false });
    if (!neg.ok) throw new MediaRefusal('INCOMPATIBLE_DESTINATION', neg.reason);
    const ep = await this.#endpoint(a);
    const audio = neg.media.find((m) => m.type === 'audio' && m.accepted)!;
    ep.setRemote({ address: audio.remote.address, port: audio.remote.port, rtcpAddress: audio.remote.rtcpAddress, rtcpPort: audio.remote.rtcpPort, rtcpMux: audio.remote.rtcpMux });
    ep.setCodec(audio.codec!, { telephoneEvent: audio.telephoneEvent, dtmfMode: dtmf.mode });
    this.#state(a).audio = audio;
    setCodecVariables(a, audio);
    const sdp = this.#sdp(a, ep, neg.media.map((m) => answerMediaSpec(m, m === audio ? ep.port : 0, m === audio ? ep.rtcpPort : undefined)));
    a.localSdp = sdp;
    return sdp;
  }

  /** The SDP to offer on a new outbound leg `b` created for `a` (undefined: none to offer). */
  async offerFor(b: Channel, a: Channel | undefined): Promise<Buffer | undefined> {
    const mode = this.modeOf(b);
    const aOffer = a?.remoteSdp;
    if (mode === 'bypass') return aOffer;
    const ep = await this.#endpoint(b);
    if (mode === 'proxy' && aOffer) {
      const ports = audioOnlyPorts(aOffer, ep.port);
      return Buffer.from(rewriteSdpAddresses(aOffer.toString('utf8'), { address: ep.advertisedIp, ports }));
    }
    const dtmf = this.#o.dtmf(b);
    const spec = offerAudioSpec(this.#prefs(b, 'outbound'), { port: ep.port, rtcpPort: ep.rtcpPort, telephoneEventPt: dtmf.mode === 'rfc2833' ? dtmf.pt : undefined });
    const s = this.#state(b);
    s.ourOffer = { address: ep.advertisedIp, sessionId: s.sessionId, sessionVersion: s.version, media: [spec] };
    return this.#sdp(b, ep, [spec]);
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
    if (this.modeOf(b) === 'proxy' || !s.ourOffer) {
      const audio = describeMedia(sd).find((m) => m.type === 'audio' && m.port !== 0);
      if (audio) ep.setRemote(remoteOf(audio));
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
  }

  /**
   * What to answer (or pre-answer) inbound leg `a` with now that `b` sent media: its SDP as
   * is (bypass), rewritten to our relay (proxy), or our own answer preferring b's codec.
   */
  async answerFor(a: Channel, b: Channel): Promise<Buffer | undefined> {
    const mode = this.modeOf(b);
    if (mode === 'bypass') return b.remoteSdp;
    if (mode === 'proxy') {
      const bSdp = b.remoteSdp;
      const aOffer = a.remoteSdp;
      if (!bSdp || !aOffer) return bSdp;
      const ep = await this.#endpoint(a);
      const audio = describeMedia(parseSdp(aOffer.toString('utf8'))).find((m) => m.type === 'audio' && m.port !== 0);
      if (audio) ep.setRemote(remoteOf(audio));
      const sdp = Buffer.from(rewriteSdpAddresses(bSdp.toString('utf8'), { address: ep.advertisedIp, ports: audioOnlyPorts(bSdp, ep.port) }));
      a.localSdp = sdp;
      return sdp;
    }
    if (a.localSdp && this.#legs.get(a)?.audio) return a.localSdp;
    return this.answerLocally(a, this.#legs.get(b)?.audio?.codec);
  }

  /** Join the media of two legs (proxy relay or default-mode bridge); nothing in bypass. */
  join(a: Channel, b: Channel): void {
    const sa = this.#legs.get(a);
    const sb = this.#legs.get(b);
    if (!sa?.ep || !sb?.ep) return;
    const mode = this.modeOf(b);
    if (mode === 'proxy') {
      sa.join = this.engine.proxy(sa.ep, sb.ep);
    } else if (sa.ep.hasMedia && sb.ep.hasMedia) {
      sa.join = this.engine.bridge(sa.ep, sb.ep);
    } else return;
    sb.join = sa.join;
    this.#armTimeouts(a, sa.ep);
    this.#armTimeouts(b, sb.ep);
  }

  /** Undo join(): each leg keeps its endpoint (hold music, a transfer …). */
  unjoin(ch: Channel): void {
    const s = this.#legs.get(ch);
    if (!s?.join) return;
    s.join.unbridge();
    s.join = undefined;
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

  async release(ch: Channel): Promise<void> {
    const s = this.#legs.get(ch);
    if (!s) return;
    s.join?.unbridge();
    s.join = undefined;
    const ep = s.ep ?? (s.allocating ? await s.allocating.catch(() => undefined) : undefined);
    s.ep = undefined;
    s.allocating = undefined;
    if (ep) await ep.close().catch((err: unknown) => this.#log.warn({ err }, 'closing a media endpoint failed'));
  }
}

function remoteOf(m: RemoteMedia): { address: string; port: number; rtcpAddress: string; rtcpPort: number; rtcpMux: boolean } {
  return { address: m.address, port: m.port, rtcpAddress: m.rtcpAddress, rtcpPort: m.rtcpPort, rtcpMux: m.rtcpMux };
}

/** Ports for rewriting: ours on the first audio m-line, 0 (declined) on the others. */
function audioOnlyPorts(sdp: Buffer, port: number): Array<number | undefined> {
  const media = describeMedia(parseSdp(sdp.toString('utf8')));
  let taken = false;
  return media.map((m) => {
    if (!taken && m.type === 'audio' && m.port !== 0) {
      taken = true;
      return port;
    }
    return m.port === 0 ? undefined : 0;
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
