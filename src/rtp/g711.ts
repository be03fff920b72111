// G.711 µ-law (PCMU) and A-law (PCMA) ⇄ 16-bit linear PCM, and direct PCMU ⇄ PCMA transcoding
// (ITU-T G.711). Everything is table driven: the tables are built once at load from the bit
// algorithm of the Recommendation, and the per-frame functions only index them, writing into
// buffers the caller owns (no allocation per call). Not here: packetisation, resampling, PLC.
//
// Encode tables are indexed by the sample shifted down to the law's input width: µ-law reads
// 14 bits (sample >> 2), A-law 13 bits (sample >> 3), so a 16K and an 8K entry table give the
// exact result of the bit method for every 16-bit input (a test checks all 65 536 inputs).
// Tables won over the bit method in bench/rtp-codecs-bench.ts (see bench/RESULTS.md).

/** A-law segment end points (ITU-T G.711 table 1a, in 13-bit units). */
const ALAW_SEG_END = [0x1f, 0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff];
/** The µ-law bias, 33 in the law's 14-bit units, in 16-bit units. */
const ULAW_BIAS = 0x84;

/**
 * µ-law code for one 16-bit sample, by the bit algorithm (the reference the tables come from).
 * The bias is added in the 16-bit domain and a negative sample's magnitude is taken as its ones'
 * complement (-x - 1), so x and -x - 1 get mirror codes, as FreeSWITCH's and spandsp's G.711 do.
 */
export function ulawEncodeSample(sample: number): number {
  let v: number;
  let mask: number;
  if (sample < 0) {
    v = ULAW_BIAS - sample - 1;
    mask = 0x7f;
  } else {
    v = ULAW_BIAS + sample;
    mask = 0xff;
  }
  // segment = position of the top bit above bit 7 (v | 0xff keeps small values in segment 0)
  const seg = 31 - Math.clz32(v | 0xff) - 7;
  if (seg >= 8) return 0x7f ^ mask; // beyond the last segment: the largest code
  return ((seg << 4) | ((v >> (seg + 3)) & 0x0f)) ^ mask;
}

/** A-law code for one 16-bit sample, by the bit algorithm. */
export function alawEncodeSample(sample: number): number {
  let v = sample >> 3; // 13-bit input
  let mask: number;
  if (v >= 0) {
    mask = 0xd5; // sign bit set, even bits inverted
  } else {
    mask = 0x55;
    v = -v - 1;
  }
  let seg = 0;
  while (seg < 8 && v > ALAW_SEG_END[seg]!) seg++;
  if (seg >= 8) return 0x7f ^ mask;
  let code = seg << 4;
  code |= seg < 2 ? (v >> 1) & 0x0f : (v >> seg) & 0x0f;
  return code ^ mask;
}

/** Linear value of one µ-law code (G.711 table 2a decoder output, 16-bit scale). */
export function ulawDecodeSample(code: number): number {
  const u = ~code & 0xff;
  let t = ((u & 0x0f) << 3) + 0x84;
  t <<= (u & 0x70) >> 4;
  return u & 0x80 ? 0x84 - t : t - 0x84;
}

/** Linear value of one A-law code (16-bit scale). */
export function alawDecodeSample(code: number): number {
  const a = (code & 0xff) ^ 0x55;
  let t = (a & 0x0f) << 4;
  const seg = (a & 0x70) >> 4;
  if (seg === 0) t += 8;
  else {
    t += 0x108;
    if (seg > 1) t <<= seg - 1;
  }
  return a & 0x80 ? t : -t;
}

// ---- tables, built once ----

/** 256-entry µ-law → linear. */
export const ULAW_TO_LINEAR: Int16Array = new Int16Array(256);
/** 256-entry A-law → linear. */
export const ALAW_TO_LINEAR: Int16Array = new Int16Array(256);
/** 16384-entry linear (>> 2, as unsigned 14 bits) → µ-law. */
const LINEAR14_TO_ULAW = new Uint8Array(1 << 14);
/** 8192-entry linear (>> 3, as unsigned 13 bits) → A-law. */
const LINEAR13_TO_ALAW = new Uint8Array(1 << 13);
/** 256-entry PCMU → PCMA and back, through the linear value. */
export const ULAW_TO_ALAW: Uint8Array = new Uint8Array(256);
export const ALAW_TO_ULAW: Uint8Array = new Uint8Array(256);

for (let c = 0; c < 256; c++) {
  ULAW_TO_LINEAR[c] = ulawDecodeSample(c);
  ALAW_TO_LINEAR[c] = alawDecodeSample(c);
}
for (let i = 0; i < 1 << 14; i++) {
  // index i holds the 14-bit two's complement value; any 16-bit sample with the same top 14 bits
  // encodes the same, so encode the representative (i << 2) sign-extended.
  LINEAR14_TO_ULAW[i] = ulawEncodeSample(((i << 18) >> 16));
}
for (let i = 0; i < 1 << 13; i++) {
  LINEAR13_TO_ALAW[i] = alawEncodeSample(((i << 19) >> 16));
}
for (let c = 0; c < 256; c++) {
  ULAW_TO_ALAW[c] = LINEAR13_TO_ALAW[(ULAW_TO_LINEAR[c]! >> 3) & 0x1fff]!;
  ALAW_TO_ULAW[c] = LINEAR14_TO_ULAW[(ALAW_TO_LINEAR[c]! >> 2) & 0x3fff]!;
}

/** µ-law code for one 16-bit sample, by table. */
export function linearToUlaw(sample: number): number {
  return LINEAR14_TO_ULAW[(sample >> 2) & 0x3fff]!;
}

/** A-law code for one 16-bit sample, by table. */
export function linearToAlaw(sample: number): number {
  return LINEAR13_TO_ALAW[(sample >> 3) & 0x1fff]!;
}

// ---- frame functions: caller-owned buffers, no allocation ----

/**
 * Decode `count` µ-law bytes from `src[srcOffset…]` into `dst[dstOffset…]`.
 * `count` defaults to what fits in both. Returns the number of samples written.
 */
export function decodeUlaw(src: Uint8Array, dst: Int16Array, count = Math.min(src.length, dst.length), srcOffset = 0, dstOffset = 0): number {
  const table = ULAW_TO_LINEAR;
  for (let i = 0; i < count; i++) dst[dstOffset + i] = table[src[srcOffset + i]!]!;
  return count;
}

/** Decode A-law bytes into 16-bit samples. Same contract as {@link decodeUlaw}. */
export function decodeAlaw(src: Uint8Array, dst: Int16Array, count = Math.min(src.length, dst.length), srcOffset = 0, dstOffset = 0): number {
  const table = ALAW_TO_LINEAR;
  for (let i = 0; i < count; i++) dst[dstOffset + i] = table[src[srcOffset + i]!]!;
  return count;
}

/** Encode 16-bit samples into µ-law bytes. Returns the number of bytes written. */
export function encodeUlaw(src: Int16Array, dst: Uint8Array, count = Math.min(src.length, dst.length), srcOffset = 0, dstOffset = 0): number {
  const table = LINEAR14_TO_ULAW;
  for (let i = 0; i < count; i++) dst[dstOffset + i] = table[(src[srcOffset + i]! >> 2) & 0x3fff]!;
  return count;
}

/** Encode 16-bit samples into A-law bytes. Returns the number of bytes written. */
export function encodeAlaw(src: Int16Array, dst: Uint8Array, count = Math.min(src.length, dst.length), srcOffset = 0, dstOffset = 0): number {
  const table = LINEAR13_TO_ALAW;
  for (let i = 0; i < count; i++) dst[dstOffset + i] = table[(src[srcOffset + i]! >> 3) & 0x1fff]!;
  return count;
}

/**
 * Map `count` bytes through a 256-entry table, from `src[srcOffset…]` to `dst[dstOffset…]`.
 * `src` and `dst` may be the same buffer (transcode an RTP payload in place).
 */
export function transcodeG711(table: Uint8Array, src: Uint8Array, srcOffset: number, count: number, dst: Uint8Array = src, dstOffset = srcOffset): void {
  for (let i = 0; i < count; i++) dst[dstOffset + i] = table[src[srcOffset + i]!]!;
}

/** PCMU → PCMA, in place by default. */
export function ulawToAlaw(buf: Uint8Array, offset = 0, count = buf.length - offset, dst: Uint8Array = buf, dstOffset = offset): void {
  transcodeG711(ULAW_TO_ALAW, buf, offset, count, dst, dstOffset);
}

/** PCMA → PCMU, in place by default. */
export function alawToUlaw(buf: Uint8Array, offset = 0, count = buf.length - offset, dst: Uint8Array = buf, dstOffset = offset): void {
  transcodeG711(ALAW_TO_ULAW, buf, offset, count, dst, dstOffset);
}

/** The µ-law and A-law code of digital silence (linear 0). */
export const ULAW_SILENCE = 0xff;
export const ALAW_SILENCE = 0xd5;
