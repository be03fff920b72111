// Offer/answer (RFC 3264) for one leg: pick the codec of each stream from a remote offer by our
// preferences, FreeSWITCH style (`generous`: the offerer's order; `greedy`: ours; `scrooge`:
// ours, and a preference's @ptime must match), keep telephone-event with the offerer's payload
// type, mirror the direction, decline what we cannot carry (port 0), and read the answer to an
// offer we sent. The results are plain data the caller turns into SDP with buildSdp and into
// relay settings. No common codec → a result the caller maps to 488 INCOMPATIBLE_DESTINATION.

import { answerDirection, describeMedia, type LocalMediaSpec, type LocalSdpSpec, type MediaDirection, type RemoteMedia, type SessionDescription } from './sdp.js';
import { codecForPref, codecMatchesPref, isAuxiliaryCodec, type CodecPref, type SdpCodec } from './sdp-codecs.js';

export type NegotiationMode = 'generous' | 'greedy' | 'scrooge';
export type DtmfMode = 'rfc2833' | 'info' | 'none';

export interface NegotiateOptions {
  /** Our codec preferences (profile `inbound-codec-prefs`, or a channel's codec_string). */
  prefs: readonly CodecPref[];
  mode?: NegotiationMode;
  /** Keep telephone-event only with rfc2833 (the profile's `dtmf-type`, default rfc2833). */
  dtmf?: DtmfMode;
  /** What we want to do with the audio (sendonly when we hold the far end). */
  localDirection?: MediaDirection;
  /** Accept video streams (relayed as they are, never transcoded). Default true. */
  video?: boolean;
  /** Accept rtcp-mux when offered. Default true. */
  rtcpMux?: boolean;
}

/** The negotiated state of one m-line. */
export interface NegotiatedMedia {
  index: number;
  type: string;
  remote: RemoteMedia;
  accepted: boolean;
  /** The codec the stream runs (audio: the only one in the answer; video: the first). */
  codec: SdpCodec | undefined;
  /** Codecs in our answer for this stream (audio: one; video: every common one). */
  codecs: SdpCodec[];
  telephoneEvent: SdpCodec | undefined;
  /** Packetisation interval we answer with (audio). */
  ptimeMs: number | undefined;
  /** Our answer's direction. */
  direction: MediaDirection;
  rtcpMux: boolean;
  /** Why the stream was declined, for logs. */
  declineReason?: string;
}

export type NegotiationResult =
  | { ok: true; media: NegotiatedMedia[]; /** the offerer put its audio on hold */ hold: boolean }
  | { ok: false; status: 488; cause: 'INCOMPATIBLE_DESTINATION'; reason: string; media: NegotiatedMedia[] };

const AUDIO_PTIME_DEFAULT_MS = 20;

function chooseCodecs(offered: SdpCodec[], prefs: readonly CodecPref[], mode: NegotiationMode, remotePtime: number | undefined): Array<{ codec: SdpCodec; pref: CodecPref }> {
  const candidates = offered.filter((c) => !isAuxiliaryCodec(c.name));
  const acceptable = (c: SdpCodec, p: CodecPref) =>
    codecMatchesPref(c, p) && !(mode === 'scrooge' && p.ptimeMs !== undefined && p.ptimeMs !== (remotePtime ?? AUDIO_PTIME_DEFAULT_MS));
  const out: Array<{ codec: SdpCodec; pref: CodecPref }> = [];
  if (mode === 'generous') {
    for (const c of candidates) {
      const p = prefs.find((pref) => acceptable(c, pref));
      if (p) out.push({ codec: c, pref: p });
    }
  } else {
    for (const p of prefs) {
      for (const c of candidates) if (acceptable(c, p) && !out.some((o) => o.codec === c)) out.push({ codec: c, pref: p });
    }
  }
  return out;
}

/** The telephone-event to keep: the one at the codec's clock rate, else 8000, else the first. */
function pickTelephoneEvent(events: SdpCodec[], clockRate: number | undefined): SdpCodec | undefined {
  return events.find((e) => e.clockRate === clockRate) ?? events.find((e) => e.clockRate === 8000) ?? events[0];
}

function declined(remote: RemoteMedia, reason: string): NegotiatedMedia {
  return {
    index: remote.index,
    type: remote.type,
    remote,
    accepted: false,
    codec: undefined,
    codecs: [],
    telephoneEvent: undefined,
    ptimeMs: undefined,
    direction: 'inactive',
    rtcpMux: false,
    declineReason: reason,
  };
}

/**
 * Answer a remote offer: one accepted audio stream (the first with a common codec) and at most
 * one video stream; everything else declined. Fails when the offer had audio and none matched,
 * or nothing at all could be accepted.
 */
export function negotiateOffer(offer: SessionDescription, opts: NegotiateOptions): NegotiationResult {
  const mode = opts.mode ?? 'generous';
  const dtmf = opts.dtmf ?? 'rfc2833';
  const local = opts.localDirection ?? 'sendrecv';
  const media: NegotiatedMedia[] = [];
  let audioAccepted = false;
  let videoAccepted = false;
  let audioOffered = false;
  const reasons: string[] = [];
  for (const remote of describeMedia(offer)) {
    const isAudio = remote.type === 'audio';
    const isVideo = remote.type === 'video';
    if (remote.port === 0) {
      media.push(declined(remote, 'declined by the offerer'));
      continue;
    }
    if (isAudio) audioOffered = true;
    if (!isAudio && !(isVideo && opts.video !== false)) {
      media.push(declined(remote, `${remote.type} streams are not supported`));
      continue;
    }
    if (!/^RTP\/AVPF?$/i.test(remote.protocol)) {
      const why = remote.secure ? `secure RTP (${remote.protocol}) is not supported` : `transport ${remote.protocol} is not supported`;
      reasons.push(`${remote.type}: ${why}`);
      media.push(declined(remote, why));
      continue;
    }
    if ((isAudio && audioAccepted) || (isVideo && videoAccepted)) {
      media.push(declined(remote, `only one ${remote.type} stream is carried`));
      continue;
    }
    const chosen = chooseCodecs(remote.codecs, opts.prefs, mode, remote.ptimeMs);
    if (chosen.length === 0) {
      const offered = remote.codecs.map((c) => c.name).join(',') || 'none';
      reasons.push(`${remote.type}: no common codec (offered ${offered})`);
      media.push(declined(remote, 'no common codec'));
      continue;
    }
    const rtcpMux = remote.rtcpMux && opts.rtcpMux !== false;
    const direction = answerDirection(remote.effectiveDirection, isAudio ? local : 'sendrecv');
    if (isAudio) {
      const { codec, pref } = chosen[0]!;
      audioAccepted = true;
      media.push({
        index: remote.index,
        type: remote.type,
        remote,
        accepted: true,
        codec,
        codecs: [codec],
        telephoneEvent: dtmf === 'rfc2833' ? pickTelephoneEvent(remote.telephoneEvents, codec.clockRate) : undefined,
        ptimeMs: pref.ptimeMs ?? remote.ptimeMs ?? AUDIO_PTIME_DEFAULT_MS,
        direction,
        rtcpMux,
      });
    } else {
      videoAccepted = true;
      const codecs = chosen.map((c) => c.codec);
      media.push({ index: remote.index, type: remote.type, remote, accepted: true, codec: codecs[0], codecs, telephoneEvent: undefined, ptimeMs: undefined, direction, rtcpMux });
    }
  }
  const hold = media.some((m) => m.accepted && m.type === 'audio' && m.remote.hold);
  if ((audioOffered && !audioAccepted) || !media.some((m) => m.accepted)) {
    return { ok: false, status: 488, cause: 'INCOMPATIBLE_DESTINATION', reason: reasons.join('; ') || 'no acceptable media stream', media };
  }
  return { ok: true, media, hold };
}

/** The m-line of our answer for a negotiated stream, on `port` (ignored for a declined stream). */
export function answerMediaSpec(n: NegotiatedMedia, port: number, rtcpPort?: number): LocalMediaSpec {
  if (!n.accepted) {
    return { type: n.type, port: 0, protocol: n.remote.protocol, codecs: [], declinedFormats: n.remote.codecs.map((c) => c.payloadType).join(' ') || '0' };
  }
  const spec: LocalMediaSpec = {
    type: n.type,
    port,
    protocol: n.remote.protocol,
    codecs: n.codecs,
    direction: n.direction,
    rtcpMux: n.rtcpMux,
  };
  if (n.telephoneEvent) spec.telephoneEvent = n.telephoneEvent;
  if (n.ptimeMs !== undefined) spec.ptimeMs = n.ptimeMs;
  if (rtcpPort !== undefined) spec.rtcpPort = rtcpPort;
  return spec;
}

export interface OfferMediaOptions {
  port: number;
  rtcpPort?: number;
  /** telephone-event payload type (the profile's `rfc2833-pt`, 101); omit to offer none. */
  telephoneEventPt?: number;
  ptimeMs?: number;
  direction?: MediaDirection;
}

/**
 * An audio m-line offering our preferences in order (audio codecs we know how to describe;
 * dynamic payload types from 96, skipping the telephone-event one).
 */
export function offerAudioSpec(prefs: readonly CodecPref[], opts: OfferMediaOptions): LocalMediaSpec {
  const codecs: SdpCodec[] = [];
  const used = new Set<number>();
  if (opts.telephoneEventPt !== undefined) used.add(opts.telephoneEventPt);
  let dynamic = 96;
  for (const pref of prefs) {
    while (used.has(dynamic)) dynamic++;
    const codec = codecForPref(pref, dynamic);
    if (!codec || codec.clockRate === 90000) continue; // unknown, or video
    if (codecs.some((c) => c.name === codec.name && c.clockRate === codec.clockRate)) continue;
    used.add(codec.payloadType);
    codecs.push(codec);
  }
  const spec: LocalMediaSpec = { type: 'audio', port: opts.port, codecs, ptimeMs: opts.ptimeMs ?? prefs.find((p) => p.ptimeMs !== undefined)?.ptimeMs ?? AUDIO_PTIME_DEFAULT_MS, direction: opts.direction ?? 'sendrecv' };
  if (opts.telephoneEventPt !== undefined) spec.telephoneEvent = { payloadType: opts.telephoneEventPt, name: 'telephone-event', clockRate: 8000, fmtp: '0-16' };
  if (opts.rtcpPort !== undefined) spec.rtcpPort = opts.rtcpPort;
  return spec;
}

/**
 * Read the answer to an offer we sent: per m-line, the codec the answerer picked (the first of
 * its formats we offered, matched by name and clock rate, with the answerer's payload type),
 * its telephone-event, its address and direction. Fails (488) when the m-line count differs
 * (RFC 3264 §6) or no audio stream we offered came back with a codec we offered.
 */
export function negotiateAnswer(ourOffer: LocalSdpSpec, answer: SessionDescription): NegotiationResult {
  const remotes = describeMedia(answer);
  if (remotes.length !== ourOffer.media.length) {
    return { ok: false, status: 488, cause: 'INCOMPATIBLE_DESTINATION', reason: `answer has ${remotes.length} m-lines, offer had ${ourOffer.media.length}`, media: [] };
  }
  const media: NegotiatedMedia[] = [];
  let audioOffered = false;
  let audioAccepted = false;
  for (const remote of remotes) {
    const ours = ourOffer.media[remote.index]!;
    if (ours.type === 'audio' && ours.port !== 0) audioOffered = true;
    if (remote.port === 0 || ours.port === 0) {
      media.push(declined(remote, remote.port === 0 ? 'declined by the answerer' : 'declined in our offer'));
      continue;
    }
    const common = remote.codecs.filter(
      (c) => !isAuxiliaryCodec(c.name) && ours.codecs.some((o) => o.name.toUpperCase() === c.name.toUpperCase() && o.clockRate === c.clockRate),
    );
    if (common.length === 0) {
      media.push(declined(remote, 'the answer has no codec we offered'));
      continue;
    }
    if (remote.type === 'audio') audioAccepted = true;
    const te = ours.telephoneEvent ? pickTelephoneEvent(remote.telephoneEvents, common[0]!.clockRate) : undefined;
    media.push({
      index: remote.index,
      type: remote.type,
      remote,
      accepted: true,
      codec: common[0],
      codecs: remote.type === 'audio' ? [common[0]!] : common,
      telephoneEvent: te,
      ptimeMs: remote.type === 'audio' ? (remote.ptimeMs ?? ours.ptimeMs ?? AUDIO_PTIME_DEFAULT_MS) : undefined,
      // from our side: mirror of what they answered
      direction: answerDirection(remote.effectiveDirection, ours.direction ?? 'sendrecv'),
      rtcpMux: remote.rtcpMux && ours.rtcpMux === true,
    });
  }
  if (audioOffered && !audioAccepted) {
    return { ok: false, status: 488, cause: 'INCOMPATIBLE_DESTINATION', reason: 'no audio codec in common with the answer', media };
  }
  const hold = media.some((m) => m.accepted && m.type === 'audio' && m.remote.hold);
  return { ok: true, media, hold };
}
