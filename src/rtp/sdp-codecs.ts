// Codec names as SDP and FreeSWITCH spell them: the static payload types of RFC 3551 §6, a
// catalog of the codecs a profile's `inbound-codec-prefs` may name (clock rate, channels,
// default fmtp), and the FreeSWITCH codec-string syntax (`OPUS,G722,PCMU@20i,PCMA,H264,VP8`,
// `L16@16000h`). Pure data and string handling: negotiation lives in sdp-negotiate.ts.

/** A codec as an m-line carries it: payload type, rtpmap encoding name, clock rate. */
export interface SdpCodec {
  payloadType: number;
  /** Encoding name as written in the rtpmap (compare case-insensitively). */
  name: string;
  /** RTP clock rate (8000 for G.722, whose audio is 16 kHz: RFC 3551 §4.5.2). */
  clockRate: number;
  /** Audio channels when the rtpmap gives them (opus/48000/2). */
  channels?: number;
  fmtp?: string;
  /** rtcp-fb values for this payload type (video: "nack pli", "ccm fir"). */
  rtcpFb?: string[];
}

/** One entry of a codec preference list. */
export interface CodecPref {
  /** Upper-case name (`PCMU`, `OPUS`, `G722`, `H264`). */
  name: string;
  /** `@8000h` / `@16k`: the codec's sample rate (G722@16000h, L16@16000h, opus@48000h). */
  rate?: number;
  /** `@20i`: packetisation interval in ms. */
  ptimeMs?: number;
  /** `@2c`: channels. */
  channels?: number;
}

export interface CodecInfo {
  /** Encoding name as we write it in an rtpmap. */
  name: string;
  media: 'audio' | 'video';
  staticPayloadType?: number;
  clockRate: number;
  /** Real audio sample rate (differs from clockRate for G.722). */
  sampleRate: number;
  channels?: number;
  fmtp?: string;
}

/** RFC 3551 §6 static payload types: what a format number means without an rtpmap. */
export const STATIC_PAYLOAD_TYPES: ReadonlyMap<number, { name: string; clockRate: number; channels?: number }> = new Map([
  [0, { name: 'PCMU', clockRate: 8000 }],
  [3, { name: 'GSM', clockRate: 8000 }],
  [4, { name: 'G723', clockRate: 8000 }],
  [5, { name: 'DVI4', clockRate: 8000 }],
  [6, { name: 'DVI4', clockRate: 16000 }],
  [7, { name: 'LPC', clockRate: 8000 }],
  [8, { name: 'PCMA', clockRate: 8000 }],
  [9, { name: 'G722', clockRate: 8000 }],
  [10, { name: 'L16', clockRate: 44100, channels: 2 }],
  [11, { name: 'L16', clockRate: 44100 }],
  [12, { name: 'QCELP', clockRate: 8000 }],
  [13, { name: 'CN', clockRate: 8000 }],
  [14, { name: 'MPA', clockRate: 90000 }],
  [15, { name: 'G728', clockRate: 8000 }],
  [16, { name: 'DVI4', clockRate: 11025 }],
  [17, { name: 'DVI4', clockRate: 22050 }],
  [18, { name: 'G729', clockRate: 8000 }],
  [25, { name: 'CelB', clockRate: 90000 }],
  [26, { name: 'JPEG', clockRate: 90000 }],
  [28, { name: 'nv', clockRate: 90000 }],
  [31, { name: 'H261', clockRate: 90000 }],
  [32, { name: 'MPV', clockRate: 90000 }],
  [33, { name: 'MP2T', clockRate: 90000 }],
  [34, { name: 'H263', clockRate: 90000 }],
]);

/** Codecs a preference list may name, by upper-case name. */
export const CODEC_CATALOG: ReadonlyMap<string, CodecInfo> = new Map<string, CodecInfo>([
  ['PCMU', { name: 'PCMU', media: 'audio', staticPayloadType: 0, clockRate: 8000, sampleRate: 8000 }],
  ['PCMA', { name: 'PCMA', media: 'audio', staticPayloadType: 8, clockRate: 8000, sampleRate: 8000 }],
  ['G722', { name: 'G722', media: 'audio', staticPayloadType: 9, clockRate: 8000, sampleRate: 16000 }],
  ['G729', { name: 'G729', media: 'audio', staticPayloadType: 18, clockRate: 8000, sampleRate: 8000, fmtp: 'annexb=no' }],
  ['GSM', { name: 'GSM', media: 'audio', staticPayloadType: 3, clockRate: 8000, sampleRate: 8000 }],
  ['OPUS', { name: 'opus', media: 'audio', clockRate: 48000, sampleRate: 48000, channels: 2, fmtp: 'useinbandfec=1' }],
  ['L16', { name: 'L16', media: 'audio', clockRate: 8000, sampleRate: 8000 }],
  ['H264', { name: 'H264', media: 'video', clockRate: 90000, sampleRate: 90000, fmtp: 'profile-level-id=42e01f;packetization-mode=1' }],
  ['H263', { name: 'H263', media: 'video', staticPayloadType: 34, clockRate: 90000, sampleRate: 90000 }],
  ['VP8', { name: 'VP8', media: 'video', clockRate: 90000, sampleRate: 90000 }],
  ['VP9', { name: 'VP9', media: 'video', clockRate: 90000, sampleRate: 90000 }],
]);

/** Codecs the default (anchored) media mode can transcode between. */
export const TRANSCODABLE_CODECS: readonly string[] = ['PCMU', 'PCMA', 'G722', 'L16'];

/** Formats that ride along a stream rather than being its codec. */
const AUXILIARY = new Set(['TELEPHONE-EVENT', 'CN', 'RED', 'ULPFEC', 'FLEXFEC-03', 'RTX']);

export function isAuxiliaryCodec(name: string): boolean {
  return AUXILIARY.has(name.toUpperCase());
}

export function isTelephoneEvent(codec: { name: string }): boolean {
  return codec.name.toUpperCase() === 'TELEPHONE-EVENT';
}

/** The real sampling rate of an SDP codec (G.722: 16000 behind its 8000 clock). */
export function codecSampleRate(codec: { name: string; clockRate: number }): number {
  return codec.name.toUpperCase() === 'G722' ? 16000 : codec.clockRate;
}

/**
 * Parse a FreeSWITCH codec string: comma-separated names, each with optional `@` modifiers
 * (`h` rate in Hz, `k` rate in kHz, `i` ptime in ms, `c` channels, `b` bitrate: ignored; a bare
 * number is a rate when ≥ 1000, else a ptime). Quotes and spaces around entries are ignored;
 * empty entries are skipped. Unknown names are kept: they may still match a remote rtpmap.
 */
export function parseCodecPrefs(list: string): CodecPref[] {
  const prefs: CodecPref[] = [];
  for (const raw of list.replace(/['"]/g, '').split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const [name, ...mods] = entry.split('@');
    if (!name || !/^[A-Za-z0-9._\-/]+$/.test(name)) continue;
    const pref: CodecPref = { name: name.toUpperCase() };
    for (const mod of mods) {
      const m = /^(\d+(?:\.\d+)?)([hkicb]?)$/i.exec(mod.trim());
      if (!m) continue;
      const n = Number(m[1]);
      switch (m[2]!.toLowerCase()) {
        case 'h':
          pref.rate = Math.round(n);
          break;
        case 'k':
          pref.rate = Math.round(n * 1000);
          break;
        case 'i':
          pref.ptimeMs = Math.round(n);
          break;
        case 'c':
          pref.channels = Math.round(n);
          break;
        case 'b':
          break;
        default:
          if (n >= 1000) pref.rate = Math.round(n);
          else pref.ptimeMs = Math.round(n);
      }
    }
    prefs.push(pref);
  }
  return prefs;
}

/** Format preferences back as a FreeSWITCH codec string (`PCMU@20i,G722`). */
export function formatCodecPrefs(prefs: readonly CodecPref[]): string {
  return prefs
    .map((p) => {
      let s = p.name;
      if (p.rate !== undefined) s += `@${p.rate}h`;
      if (p.ptimeMs !== undefined) s += `@${p.ptimeMs}i`;
      if (p.channels !== undefined) s += `@${p.channels}c`;
      return s;
    })
    .join(',');
}

/** Does an offered codec satisfy a preference? Names match case-insensitively; given rate/channels must agree. */
export function codecMatchesPref(codec: SdpCodec, pref: CodecPref): boolean {
  if (codec.name.toUpperCase() !== pref.name) return false;
  if (pref.rate !== undefined && pref.rate !== codec.clockRate && pref.rate !== codecSampleRate(codec)) return false;
  if (pref.channels !== undefined && pref.channels !== (codec.channels ?? 1)) return false;
  return true;
}

/**
 * The SDP codec we offer for a preference: static payload type when the codec has one, else
 * `dynamicPt`. Undefined for names we know nothing about (we cannot write their rtpmap).
 */
export function codecForPref(pref: CodecPref, dynamicPt: number): SdpCodec | undefined {
  const info = CODEC_CATALOG.get(pref.name);
  if (!info) return undefined;
  let clockRate = info.clockRate;
  if (pref.rate !== undefined && info.name !== 'G722' && info.name !== 'opus') clockRate = pref.rate;
  const staticPt = info.staticPayloadType;
  // a static PT only stands for its default clock rate (L16 at another rate needs a dynamic one)
  const pt = staticPt !== undefined && clockRate === info.clockRate ? staticPt : dynamicPt;
  const codec: SdpCodec = { payloadType: pt, name: info.name, clockRate };
  const channels = pref.channels ?? info.channels;
  if (channels !== undefined && channels !== 1) codec.channels = channels;
  if (info.fmtp) codec.fmtp = info.fmtp;
  return codec;
}
