// A leg's media in default mode (the switch terminates RTP): the negotiated codec, the outgoing
// stream's RtpStreamRewriter (our SSRC, sequence and timestamp, continuous whatever feeds it),
// RFC 4733 detection on input (one DTMF event per press, relayed to a bridged partner or turned
// into a SIP INFO request), and what the leg sends: the bridged partner's audio (media-bridge.ts),
// echo, or a player / DTMF sender that replaces it while active, paced by the engine's shared
// 20 ms clock. Audio taps feed recorders. Received packets are handled synchronously, rewritten
// in place when they can be, generated ones go out of a small ring of buffers (a send the kernel
// queues keeps its buffer for a while). Not here: sockets and latching (media-endpoint.ts).

import { InvalidStateError } from '../common/index.js';
import { createAudioCodec, samplesPer20ms, type AudioCodec, type AudioFormat } from './audio-codec.js';
import { DEFAULT_DTMF_DURATION_MS, DtmfReceiver, parseSendDtmfArgs, planDtmfPackets, readTelephoneEvent, type DtmfDigit, type DtmfPacket, type DtmfToken, type TelephoneEvent } from './dtmf.js';
import type { MediaClock, MediaTicker } from './media-clock.js';
import type { MediaEndpoint } from './media-endpoint.js';
import type { DtmfEvent, RtpSink } from './media-types.js';
import { PcmBufferSource, openSilenceStream, openToneStream, loadAudioFile, silenceSource, toneSource, type PcmSource } from './media-sources.js';
import { Playback, type PlaybackEnd, type PlaybackKind } from './playback.js';
import { RTP_HEADER_BYTES, RtpStreamRewriter, randomUint32, rtpPayloadLength, rtpPayloadOffset, rtpTimestamp, writeRtpHeader } from './rtp-packet.js';
import type { DtmfMode } from './sdp-negotiate.js';
import { parseTgml } from './tone.js';

/** Receives a leg's audio payloads as they arrive or leave (a recorder channel). */
export interface AudioTap {
  push(payload: Uint8Array, offset: number, len: number, format: AudioFormat): void;
}

/** The partner side of a bridge, as the leg sees it (media-bridge.ts implements it). */
export interface BridgeOutput {
  forwardAudio(buf: Buffer, len: number): void;
  forwardEvent(buf: Buffer, len: number): void;
  /** The leg the audio goes to. */
  readonly to: LegMedia;
  /** Called when either leg's codec changes. */
  refresh(): void;
}

export interface TelephoneEventFormat {
  payloadType: number;
  clockRate: number;
}

export interface LegMediaContext {
  clock: MediaClock;
  /** The music on hold as mono PCM at `sampleRate` (generated into the data directory once). */
  loadMoh(sampleRate: number): Promise<Int16Array>;
  /** Refuse audio files larger than this. */
  maxFileBytes?: number;
}

export interface PlayOptions {
  /** Times to play (-1 forever); default 1. For tone scripts the script's own loops apply too. */
  loops?: number;
}

export interface LegMediaStats {
  format: AudioFormat;
  telephoneEventPt: number | undefined;
  dtmfMode: DtmfMode;
  audioIn: number;
  eventsIn: number;
  comfortNoiseIn: number;
  unknownPayloadTypeIn: number;
  malformedEventsIn: number;
  rtcpTerminated: number;
  dtmfDetected: number;
  generatedPackets: number;
  playing: PlaybackKind | undefined;
  rewriter: ReturnType<RtpStreamRewriter['dump']>;
}

const CN_PT = 13;
/** Output buffers per leg: a generated packet keeps its buffer until the ring comes round. */
const RING_SIZE = 8;
const RING_BUFFER_BYTES = 1500;
/** The largest frame a leg generates: 20 ms at 16 kHz. */
const MAX_FRAME_SAMPLES = 320;
/** Gap between two digits of one sendDtmf, ms. */
const INTER_DIGIT_MS = 100;

/** Plays RFC 4733 packets for a queue of digits and pauses on the leg's clock. */
class DtmfSender {
  readonly playback: Playback;
  readonly #tokens: DtmfToken[];
  readonly #durationMs: number | undefined;
  readonly #clockRate: number;
  #packets: DtmfPacket[] = [];
  #next = 0;
  #startMs = 0;
  #eventTs = 0;
  #waitUntilMs = 0;

  constructor(playback: Playback, tokens: DtmfToken[], durationMs: number | undefined, clockRate: number) {
    this.playback = playback;
    this.#tokens = tokens;
    this.#durationMs = durationMs;
    this.#clockRate = clockRate;
  }

  /** Emit what is due; returns false when every digit has been sent. */
  tick(nowMs: number, tsNow: number, emit: (p: DtmfPacket, eventTs: number) => void): boolean {
    if (this.#next < this.#packets.length) {
      // a half-frame tolerance so packets planned at k·20 ms go out on the k-th tick
      while (this.#next < this.#packets.length && this.#packets[this.#next]!.offsetMs <= nowMs - this.#startMs + 10) {
        emit(this.#packets[this.#next]!, this.#eventTs);
        this.#next++;
      }
      if (this.#next >= this.#packets.length) this.#waitUntilMs = nowMs + INTER_DIGIT_MS;
      return true;
    }
    if (nowMs + 10 < this.#waitUntilMs) return true;
    const token = this.#tokens.shift();
    if (!token) return false;
    if (token.kind === 'pause') {
      this.#waitUntilMs = nowMs + token.ms;
      return true;
    }
    this.#packets = planDtmfPackets(token.digit, { durationMs: this.#durationMs, clockRate: this.#clockRate });
    this.#next = 0;
    this.#startMs = nowMs;
    this.#eventTs = tsNow;
    return this.tick(nowMs, tsNow, emit);
  }
}

export class LegMedia implements RtpSink, MediaTicker {
  readonly ep: MediaEndpoint;
  readonly #ctx: LegMediaContext;
  #format!: AudioFormat;
  #frameSamples = 160;
  #dtmfPt = -1;
  #dtmfClock = 8000;
  #dtmfMode: DtmfMode = 'rfc2833';
  #rewriter: RtpStreamRewriter;
  #dtmfRx: DtmfReceiver | null = null;
  readonly #ev: TelephoneEvent = { event: 0, end: false, volume: 0, duration: 0 };
  // what the leg sends besides its bridged partner
  #player: { playback: Playback; source: PcmSource } | null = null;
  #echo: Playback | null = null;
  #dtmfTx: DtmfSender | null = null;
  #genCodec!: AudioCodec;
  readonly #pcm = new Int16Array(MAX_FRAME_SAMPLES);
  // the generated stream (players, DTMF) as a source of its own for the rewriter
  readonly #genSsrc = randomUint32();
  #genSeq = 0;
  #genTs = 0;
  #genClockOriginMs = performance.now();
  readonly #ring: Buffer[] = [];
  #ringIdx = 0;
  /** The bridge direction this leg's input feeds, set by MediaBridge. */
  bridgeOut: BridgeOutput | null = null;
  /** The bridge direction that feeds this leg, set by MediaBridge (for refresh on codec change). */
  bridgeIn: BridgeOutput | null = null;
  readonly #inTaps: AudioTap[] = [];
  readonly #outTaps: AudioTap[] = [];
  #closed = false;
  // counters
  #audioIn = 0;
  #eventsIn = 0;
  #cnIn = 0;
  #unknownPtIn = 0;
  #malformedEvents = 0;
  #rtcpTerminated = 0;
  #dtmfDetected = 0;
  #generated = 0;

  constructor(ep: MediaEndpoint, ctx: LegMediaContext, format: AudioFormat, telephoneEvent: TelephoneEventFormat | undefined, dtmfMode: DtmfMode) {
    this.ep = ep;
    this.#ctx = ctx;
    this.#rewriter = new RtpStreamRewriter({ clockRate: format.clockRate });
    this.setFormat(format, telephoneEvent, dtmfMode);
  }

  get format(): AudioFormat {
    return this.#format;
  }

  get dtmfMode(): DtmfMode {
    return this.#dtmfMode;
  }

  /** The telephone-event payload type on this leg, -1 when none was negotiated. */
  get dtmfPayloadType(): number {
    return this.#dtmfPt;
  }

  get dtmfClockRate(): number {
    return this.#dtmfClock;
  }

  /** True while a player, echo or DTMF sender owns what the leg sends. */
  get outputBusy(): boolean {
    return this.#player !== null || this.#echo !== null || this.#dtmfTx !== null;
  }

  /** What is playing now, if anything. */
  get playing(): Playback | undefined {
    return this.#dtmfTx?.playback ?? this.#player?.playback ?? this.#echo ?? undefined;
  }

  /**
   * Set or change the codec (re-INVITE). A player whose sample rate no longer fits is stopped;
   * the outgoing SSRC and sequence continue unless the RTP clock rate changes.
   */
  setFormat(format: AudioFormat, telephoneEvent: TelephoneEventFormat | undefined, dtmfMode: DtmfMode): void {
    const old = this.#format;
    this.#format = format;
    this.#frameSamples = samplesPer20ms(format.sampleRate);
    this.#genCodec = createAudioCodec(format);
    if (old && old.clockRate !== format.clockRate) this.#rewriter = new RtpStreamRewriter({ clockRate: format.clockRate });
    this.#dtmfMode = dtmfMode;
    const pt = telephoneEvent?.payloadType ?? -1;
    const clock = telephoneEvent?.clockRate ?? format.clockRate;
    if (pt !== this.#dtmfPt || clock !== this.#dtmfClock) {
      this.#dtmfPt = pt;
      this.#dtmfClock = clock;
      this.#dtmfRx = pt >= 0 ? new DtmfReceiver(this.#onDigit, { clockRate: clock }) : null;
    }
    if (old && old.sampleRate !== format.sampleRate && this.#player) this.#endPlayer('stopped');
    this.bridgeOut?.refresh();
    this.bridgeIn?.refresh();
  }

  // ---- input (the endpoint's sink in default mode) ----

  onRtp(buf: Buffer, len: number): void {
    const pt = buf[1]! & 0x7f;
    if (pt === this.#format.payloadType) {
      this.#audioIn++;
      if (this.#inTaps.length > 0) this.#feedTaps(this.#inTaps, buf, len);
      if (this.#echo !== null) {
        if (this.#player === null && this.#dtmfTx === null) this.#emit(buf, len, true, performance.now());
        return;
      }
      const out = this.bridgeOut;
      if (out !== null) out.forwardAudio(buf, len);
      return;
    }
    if (pt === this.#dtmfPt) {
      this.#onTelephoneEvent(buf, len);
      return;
    }
    if (pt === CN_PT) this.#cnIn++;
    else this.#unknownPtIn++;
  }

  /** Default mode terminates RTCP: the far ends' reports describe streams we rewrote. */
  onRtcp(): void {
    this.#rtcpTerminated++;
  }

  #onTelephoneEvent(buf: Buffer, len: number): void {
    const off = rtpPayloadOffset(buf, len);
    if (!readTelephoneEvent(buf, off, rtpPayloadLength(buf, len), this.#ev)) {
      this.#malformedEvents++;
      return;
    }
    this.#eventsIn++;
    this.#dtmfRx?.receive(rtpTimestamp(buf), this.#ev, performance.now());
    if (this.#echo !== null) return;
    const out = this.bridgeOut;
    if (out !== null) out.forwardEvent(buf, len);
  }

  readonly #onDigit = (d: DtmfDigit): void => {
    this.#dtmfDetected++;
    const ev: DtmfEvent = { digit: d.digit, durationSamples: d.durationTs, durationMs: d.durationMs, source: 'RTP', endSeen: d.endSeen };
    this.ep.notify('onDtmf', ev);
    const to = this.bridgeOut?.to;
    if (to && !to.#closed && to.#dtmfMode === 'info') to.ep.notify('onSendInfoDtmf', { digit: d.digit, durationMs: d.durationMs });
  };

  /** @internal Engine housekeeping: close a key press whose end packets never came. */
  housekeep(nowMs: number): void {
    this.#dtmfRx?.poll(nowMs);
  }

  // ---- output ----

  /**
   * @internal A packet from the bridged partner, already carrying this leg's payload type: rewrite
   * its header to our stream and send it, unless a player owns the output.
   */
  emitForwarded(buf: Buffer, len: number, audio: boolean): void {
    if (this.#player !== null || this.#echo !== null || this.#dtmfTx !== null) {
      this.ep.countDrop('suppressed');
      return;
    }
    this.#emit(buf, len, audio, performance.now());
  }

  /** @internal An output buffer of at least `bytes` from the ring (a larger one is allocated). */
  outBuffer(bytes: number): Buffer {
    if (bytes > RING_BUFFER_BYTES) return Buffer.allocUnsafe(bytes);
    const i = this.#ringIdx;
    this.#ringIdx = i + 1 === RING_SIZE ? 0 : i + 1;
    let b = this.#ring[i];
    if (b === undefined) {
      b = Buffer.allocUnsafe(RING_BUFFER_BYTES);
      this.#ring[i] = b;
    }
    return b;
  }

  #emit(buf: Buffer, len: number, audio: boolean, nowMs: number): void {
    if (audio && this.#outTaps.length > 0) this.#feedTaps(this.#outTaps, buf, len);
    if (!this.#rewriter.rewrite(buf, nowMs)) return;
    this.ep.sendRtp(buf, len);
  }

  #feedTaps(taps: AudioTap[], buf: Buffer, len: number): void {
    const off = rtpPayloadOffset(buf, len);
    const plen = rtpPayloadLength(buf, len);
    if (off < 0 || plen <= 0) return;
    for (let i = 0; i < taps.length; i++) taps[i]!.push(buf, off, plen, this.#format);
  }

  /** Our virtual clock for generated packets, in RTP units, following wall-clock time. */
  #genTsAt(nowMs: number): number {
    return (this.#genTs + Math.round(((nowMs - this.#genClockOriginMs) * this.#format.clockRate) / 1000)) >>> 0;
  }

  /** The shared clock's 20 ms tick: the DTMF sender first, else the player. */
  tick(nowMs: number): void {
    if (this.#closed) return;
    const tx = this.#dtmfTx;
    if (tx !== null) {
      const more = tx.tick(nowMs, this.#genTsAt(nowMs), (p, eventTs) => this.#sendEvent(p, eventTs, nowMs, tx.playback));
      if (!more) {
        this.#dtmfTx = null;
        tx.playback.end('done');
        this.#sourceChanged();
      }
      return;
    }
    const p = this.#player;
    if (p === null) return;
    const n = this.#frameSamples;
    const got = p.source.read(this.#pcm, n, 0);
    if (got > 0) {
      if (got < n) this.#pcm.fill(0, got, n);
      const out = this.outBuffer(RTP_HEADER_BYTES + this.#genCodec.octetsFor(n));
      const ts = this.#genTsAt(nowMs);
      writeRtpHeader(out, this.#format.payloadType, false, this.#genSeq, ts, this.#genSsrc);
      const bytes = this.#genCodec.encode(this.#pcm, n, out, RTP_HEADER_BYTES);
      this.#genSeq = (this.#genSeq + 1) & 0xffff;
      this.#generated++;
      p.playback.packetsSent++;
      this.#emit(out, RTP_HEADER_BYTES + bytes, true, nowMs);
    }
    if (got < n || p.source.done) this.#endPlayer('done');
  }

  #sendEvent(p: DtmfPacket, eventTs: number, nowMs: number, pb: Playback): void {
    if (this.#dtmfPt < 0) return;
    const out = this.outBuffer(RTP_HEADER_BYTES + p.payload.length);
    writeRtpHeader(out, this.#dtmfPt, p.marker, this.#genSeq, eventTs, this.#genSsrc);
    out.set(p.payload, RTP_HEADER_BYTES);
    this.#genSeq = (this.#genSeq + 1) & 0xffff;
    this.#generated++;
    pb.packetsSent++;
    this.#emit(out, RTP_HEADER_BYTES + p.payload.length, false, nowMs);
  }

  // ---- players ----

  /** Play a PCM source at this leg's sample rate, replacing whatever plays now. */
  playSource(source: PcmSource, kind: PlaybackKind): Playback {
    this.#assertOpen(kind);
    if (source.sampleRate !== this.#format.sampleRate) throw new InvalidStateError(`a ${source.sampleRate} Hz source on a ${this.#format.sampleRate} Hz leg`);
    if (this.#player) this.#endPlayer('replaced');
    const playback = new Playback(kind, (pb) => {
      if (this.#player?.playback === pb) this.#endPlayer('stopped');
    });
    this.#player = { playback, source };
    this.#sourceChanged();
    return playback;
  }

  /** A TGML tone script or a `tone_stream://` URI without `path=` (use play() for those). */
  playTone(tgml: string, opts: PlayOptions = {}): Playback {
    const script = tgml.startsWith('tone_stream://') ? tgml.slice('tone_stream://'.length) : tgml;
    const program = parseTgml(script);
    if (opts.loops !== undefined) program.loops = opts.loops < 0 || program.loops < 0 ? -1 : Math.max(1, opts.loops) * program.loops;
    return this.playSource(toneSource(program, this.#format.sampleRate), 'tone');
  }

  /** Silence for `ms` (-1 until stopped): what `silence_stream://` plays. */
  playSilence(ms: number): Playback {
    return this.playSource(silenceSource(ms, this.#format.sampleRate), 'silence');
  }

  /** A WAV file (8/16 kHz or other rates; PCM, µ-law, A-law), resampled to the leg. Throws MediaSourceError. */
  async playFile(path: string, opts: PlayOptions = {}): Promise<Playback> {
    this.#assertOpen('playFile');
    const rate = this.#format.sampleRate;
    const samples = await loadAudioFile(path, rate, { maxBytes: this.#ctx.maxFileBytes });
    this.#assertOpen('playFile');
    if (this.#format.sampleRate !== rate) return this.playFile(path, opts);
    return this.playSource(new PcmBufferSource(samples, rate, opts.loops ?? 1), 'file');
  }

  /** The generated music on hold, looped until stopped (`local_stream://moh`). */
  async playMoh(): Promise<Playback> {
    this.#assertOpen('playMoh');
    const rate = this.#format.sampleRate;
    const samples = await this.#ctx.loadMoh(rate);
    this.#assertOpen('playMoh');
    if (this.#format.sampleRate !== rate) return this.playMoh();
    return this.playSource(new PcmBufferSource(samples, rate, -1), 'moh');
  }

  /**
   * What FreeSWITCH's playback app takes: `tone_stream://…` (inline or `path=`),
   * `silence_stream://ms`, `local_stream://moh` (any stream name plays the music on hold), or
   * a WAV file path. Throws MediaSourceError (`not-found` / `bad-format`).
   */
  async play(uri: string, opts: PlayOptions = {}): Promise<Playback> {
    this.#assertOpen('play');
    const rate = this.#format.sampleRate;
    if (uri.startsWith('tone_stream://')) {
      const source = await openToneStream(uri, rate, opts.loops ?? 1);
      this.#assertOpen('play');
      if (this.#format.sampleRate !== rate) return this.play(uri, opts);
      return this.playSource(source, 'tone');
    }
    if (uri.startsWith('silence_stream://')) return this.playSource(openSilenceStream(uri, rate), 'silence');
    if (uri.startsWith('local_stream://')) return this.playMoh();
    return this.playFile(uri, opts);
  }

  /** Send back what arrives on this leg (re-stamped as our stream) until stopped. */
  echo(): Playback {
    this.#assertOpen('echo');
    if (this.#echo) this.#echo.end('replaced');
    const playback = new Playback('echo', (pb) => {
      if (this.#echo === pb) {
        this.#echo = null;
        pb.end('stopped');
        this.#sourceChanged();
      }
    });
    this.#echo = playback;
    this.#sourceChanged();
    return playback;
  }

  /**
   * Send digits as RFC 4733 events (`send_dtmf` syntax: digits, `w` 500 ms and `W` 1 s pauses,
   * optional `@<ms>` duration). The sender owns the leg's output while it runs. On a leg without
   * telephone-event (SIP INFO or none), each digit goes to the handler's onSendInfoDtmf instead.
   */
  sendDtmf(digits: string, durationMs?: number): Playback {
    this.#assertOpen('sendDtmf');
    const parsed = parseSendDtmfArgs(digits);
    const ms = durationMs ?? parsed.durationMs;
    if (this.#dtmfPt < 0 || this.#dtmfMode === 'info') {
      const playback = new Playback('dtmf', () => {});
      for (const t of parsed.tokens) if (t.kind === 'digit') this.ep.notify('onSendInfoDtmf', { digit: t.digit, durationMs: ms ?? DEFAULT_DTMF_DURATION_MS });
      playback.end('done');
      return playback;
    }
    if (this.#dtmfTx) {
      this.#dtmfTx.playback.end('replaced');
      this.#dtmfTx = null;
    }
    const playback = new Playback('dtmf', (pb) => {
      if (this.#dtmfTx?.playback === pb) {
        this.#dtmfTx = null;
        pb.end('stopped');
        this.#sourceChanged();
      }
    });
    this.#dtmfTx = new DtmfSender(playback, parsed.tokens, ms, this.#dtmfClock);
    this.#sourceChanged();
    return playback;
  }

  /** Stop the player, echo and DTMF sender (each ends `stopped`). */
  stopPlayback(): void {
    this.#dtmfTx?.playback.stop();
    this.#echo?.stop();
    if (this.#player) this.#endPlayer('stopped');
  }

  #endPlayer(how: PlaybackEnd): void {
    const p = this.#player;
    if (!p) return;
    this.#player = null;
    p.playback.end(how);
    this.#sourceChanged();
  }

  /** Something else feeds the output now: a new rewriter segment, and the clock only while generating. */
  #sourceChanged(): void {
    this.#rewriter.resync();
    this.ep.setOutputBlocked(this.outputBusy);
    if (!this.#closed && (this.#player !== null || this.#dtmfTx !== null)) {
      if (!this.#ctx.clock.has(this)) {
        // restart the generated stream's clock where it would be now
        this.#genTs = this.#genTsAt(performance.now());
        this.#genClockOriginMs = performance.now();
        this.#ctx.clock.add(this);
      }
    } else this.#ctx.clock.delete(this);
  }

  // ---- taps ----

  /** @internal Feed `tap` with this leg's incoming (`in`) or outgoing (`out`) audio. Returns the remover. */
  addTap(direction: 'in' | 'out', tap: AudioTap): () => void {
    const list = direction === 'in' ? this.#inTaps : this.#outTaps;
    list.push(tap);
    return () => {
      const i = list.indexOf(tap);
      if (i >= 0) list.splice(i, 1);
    };
  }

  /** @internal The endpoint closed: end every playback, leave the clock. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#dtmfTx) this.#dtmfTx.playback.end('closed');
    if (this.#echo) this.#echo.end('closed');
    if (this.#player) this.#player.playback.end('closed');
    this.#dtmfTx = null;
    this.#echo = null;
    this.#player = null;
    this.#ctx.clock.delete(this);
    this.#inTaps.length = 0;
    this.#outTaps.length = 0;
  }

  stats(): LegMediaStats {
    return {
      format: this.#format,
      telephoneEventPt: this.#dtmfPt >= 0 ? this.#dtmfPt : undefined,
      dtmfMode: this.#dtmfMode,
      audioIn: this.#audioIn,
      eventsIn: this.#eventsIn,
      comfortNoiseIn: this.#cnIn,
      unknownPayloadTypeIn: this.#unknownPtIn,
      malformedEventsIn: this.#malformedEvents,
      rtcpTerminated: this.#rtcpTerminated,
      dtmfDetected: this.#dtmfDetected,
      generatedPackets: this.#generated,
      playing: this.playing?.kind,
      rewriter: this.#rewriter.dump(),
    };
  }

  #assertOpen(what: string): void {
    if (this.#closed || this.ep.closed) throw new InvalidStateError(`${what} on a closed media endpoint (port ${this.ep.port})`);
  }
}
