// G.722 wideband codec, 64 kbit/s (mode 1), from the ITU-T G.722 algorithm: a 24-tap QMF splits
// 16 kHz PCM into a lower and a higher 8 kHz sub-band, each coded by ADPCM (6 bits low, 2 bits
// high) with a pole-zero adaptive predictor; one octet carries one pair of input samples
// (high bits first, as RFC 3551 §4.5.2 packs it). Not here: modes 2/3 (56/48 kbit/s), the
// 8 kHz-only "eight_k" option, and packet loss concealment.
//
// Level convention: 16-bit PCM is halved into the 15-bit sub-band domain the ADPCM works in
// (and doubled on the way out), the convention of the widely deployed implementation in
// FreeSWITCH, Asterisk and WebRTC, so a phone hears the same level from us as from them.
// Block names in comments (QUANTL, LOGSCL, UPPOL2…) are the Recommendation's.
//
// RTP note: G.722 is sampled at 16 kHz but its RTP clock rate is 8000 (RFC 3551 §4.5.2), so a
// 20 ms packet is 160 octets, 320 samples, and advances the RTP timestamp by 160.

/** QMF coefficients h(0), h(2), … h(22) (×2^13); the filter is symmetric, h(2i+1) = h(22-2i). */
const QMF_EVEN = Int32Array.from([3, -11, 12, 32, -210, 951, 3876, -805, 362, -156, 53, -11]);
const QMF_ODD = Int32Array.from([...QMF_EVEN].reverse());

/** QUANTL decision levels (×1, compared against |el| scaled by det >> 12). Index 1..29. */
const Q6 = Int32Array.from([
  0, 35, 72, 110, 150, 190, 233, 276, 323, 370, 422, 473, 530, 587, 650, 714, 786, 858, 940, 1023, 1121, 1219, 1339, 1458,
  1612, 1765, 1980, 2195, 2557, 2919, 0, 0,
]);
/** 6-bit codeword for each quantizer interval, for negative and positive el. */
const ILN = Int32Array.from([0, 63, 62, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 0]);
const ILP = Int32Array.from([0, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51, 50, 49, 48, 47, 46, 45, 44, 43, 42, 41, 40, 39, 38, 37, 36, 35, 34, 33, 32, 0]);

/** Inverse quantizer output levels (Recommendation units); ×8 gives the working tables. */
const QQ6_BY_CODE = [
  -17, -17, -17, -17, -3101, -2738, -2376, -2088, -1873, -1689, -1535, -1399, -1279, -1170, -1072, -982, -899, -822, -750, -682,
  -618, -558, -501, -447, -396, -347, -300, -254, -211, -170, -130, -91, 3101, 2738, 2376, 2088, 1873, 1689, 1535, 1399, 1279,
  1170, 1072, 982, 899, 822, 750, 682, 618, 558, 501, 447, 396, 347, 300, 254, 211, 170, 130, 91, 54, 17, -54, -17,
];
const QQ4_BY_CODE = [0, -2557, -1612, -1121, -786, -530, -323, -150, 2557, 1612, 1121, 786, 530, 323, 150, 0];
const QQ2_BY_CODE = [-926, -202, 926, 202];
const QM6 = Int32Array.from(QQ6_BY_CODE, (v) => v * 8);
const QM4 = Int32Array.from(QQ4_BY_CODE, (v) => v * 8);
const QM2 = Int32Array.from(QQ2_BY_CODE, (v) => v * 8);

/** LOGSCL / LOGSCH: log scale factor multipliers, indexed through RL42 / RH2. */
const WL = Int32Array.from([-60, -30, 58, 172, 334, 538, 1198, 3042]);
const RL42 = Int32Array.from([0, 7, 6, 5, 4, 3, 2, 1, 7, 6, 5, 4, 3, 2, 1, 0]);
const WH = Int32Array.from([0, -214, 798]);
const RH2 = Int32Array.from([2, 1, 2, 1]);
/** QUANTH: 2-bit codeword for (sign, magnitude index 1|2). */
const IHN = Int32Array.from([0, 1, 0]);
const IHP = Int32Array.from([0, 3, 2]);
/** SCALEL/SCALEH antilog table: round(2048 · 2^(i/32)), the Recommendation's ILB. */
const ILB = Int32Array.from({ length: 32 }, (_, i) => Math.round(2048 * Math.pow(2, i / 32)));

const LOW_NB_MAX = 18432;
const HIGH_NB_MAX = 22528;

function sat16(x: number): number {
  return x > 32767 ? 32767 : x < -32768 ? -32768 : x;
}

/** State of one sub-band's ADPCM: predictor memories and the quantizer scale factor. */
class SubBand {
  /** predicted signal, pole part, zero part */
  s = 0;
  sp = 0;
  sz = 0;
  /** reconstructed signal r(n), r(n-1), r(n-2) */
  r = new Int32Array(3);
  /** partially reconstructed signal p(n), p(n-1), p(n-2) */
  p = new Int32Array(3);
  /** pole coefficients a1, a2 (index 1, 2) */
  a = new Int32Array(3);
  /** quantized difference d(n)…d(n-6) and zero coefficients b1…b6 */
  d = new Int32Array(7);
  b = new Int32Array(7);
  /** log scale factor and linear scale factor (det) */
  nb = 0;
  det: number;

  constructor(readonly initialDet: number) {
    this.det = initialDet;
  }

  reset(): void {
    this.s = this.sp = this.sz = 0;
    this.r.fill(0);
    this.p.fill(0);
    this.a.fill(0);
    this.d.fill(0);
    this.b.fill(0);
    this.nb = 0;
    this.det = this.initialDet;
  }

  /** LOGSCL + SCALEL (low band) or LOGSCH + SCALEH (high band). */
  adaptScale(w: number, nbMax: number, shiftBase: number): void {
    let nb = ((this.nb * 127) >> 7) + w;
    if (nb < 0) nb = 0;
    else if (nb > nbMax) nb = nbMax;
    this.nb = nb;
    const mant = ILB[(nb >> 6) & 31]!;
    const shift = shiftBase - (nb >> 11);
    this.det = (shift < 0 ? mant << -shift : mant >> shift) << 2;
  }

  /** Block 4: reconstruct, update the pole/zero predictor with quantized difference `dq`, predict. */
  adapt(dq: number): void {
    const { r, p, a, d, b } = this;
    // RECONS, PARREC
    d[0] = dq;
    r[0] = sat16(this.s + dq);
    p[0] = sat16(this.sz + dq);

    // UPPOL2: second pole coefficient
    const sg0 = p[0]! >> 15;
    const sg1 = p[1]! >> 15;
    const sg2 = p[2]! >> 15;
    const a1x4 = sat16(a[1]! << 2);
    let wd = sg0 === sg1 ? -a1x4 : a1x4;
    if (wd > 32767) wd = 32767;
    let ap2 = (wd >> 7) + (sg0 === sg2 ? 128 : -128) + ((a[2]! * 32512) >> 15);
    if (ap2 > 12288) ap2 = 12288;
    else if (ap2 < -12288) ap2 = -12288;

    // UPPOL1: first pole coefficient, bounded by 15360 - |a2| for stability
    let ap1 = sat16((sg0 === sg1 ? 192 : -192) + ((a[1]! * 32640) >> 15));
    const lim = sat16(15360 - ap2);
    if (ap1 > lim) ap1 = lim;
    else if (ap1 < -lim) ap1 = -lim;

    // UPZERO: sign-sign update of the six zero coefficients (leak 32640/32768)
    const step = dq === 0 ? 0 : 128;
    const sgd = dq >> 15;
    for (let i = 1; i < 7; i++) {
      const g = (d[i]! >> 15) === sgd ? step : -step;
      b[i] = sat16(g + ((b[i]! * 32640) >> 15));
    }

    // DELAYA
    for (let i = 6; i > 0; i--) d[i] = d[i - 1]!;
    r[2] = r[1]!;
    r[1] = r[0]!;
    p[2] = p[1]!;
    p[1] = p[0]!;
    a[1] = ap1;
    a[2] = ap2;

    // FILTEP: pole section
    const sp = sat16(((a[1]! * sat16(r[1]! + r[1]!)) >> 15) + ((a[2]! * sat16(r[2]! + r[2]!)) >> 15));
    // FILTEZ: zero section
    let sz = 0;
    for (let i = 6; i > 0; i--) sz += (b[i]! * sat16(d[i]! + d[i]!)) >> 15;
    this.sp = sp;
    this.sz = sat16(sz);
    // PREDIC
    this.s = sat16(sp + this.sz);
  }
}

/**
 * A G.722 encoder for one stream: 16 kHz 16-bit PCM in, one octet per two samples out.
 * Keep one per direction per call; it carries the QMF history and both ADPCM states.
 */
export class G722Encoder {
  #low = new SubBand(32);
  #high = new SubBand(8);
  /** QMF history, newest first, doubled so a 12-tap window never wraps: first and second sample of each pair. */
  #first = new Int32Array(24);
  #second = new Int32Array(24);
  #pos = 0;
  /** an odd sample left over from the previous call, or NaN */
  #pending = Number.NaN;

  reset(): void {
    this.#low.reset();
    this.#high.reset();
    this.#first.fill(0);
    this.#second.fill(0);
    this.#pos = 0;
    this.#pending = Number.NaN;
  }

  /**
   * Encode `samples` samples of `src` from `srcOffset` into `dst` from `dstOffset`.
   * Returns the octets written (samples / 2; an odd last sample waits for the next call).
   */
  encode(src: Int16Array, dst: Uint8Array, samples = src.length, srcOffset = 0, dstOffset = 0): number {
    let out = dstOffset;
    let i = srcOffset;
    const end = srcOffset + samples;
    if (!Number.isNaN(this.#pending) && i < end) {
      dst[out++] = this.#encodePair(this.#pending, src[i++]!);
      this.#pending = Number.NaN;
    }
    for (; i + 1 < end; i += 2) dst[out++] = this.#encodePair(src[i]!, src[i + 1]!);
    if (i < end) this.#pending = src[i]!;
    return out - dstOffset;
  }

  #encodePair(x0: number, x1: number): number {
    // Transmit QMF: XA over the even taps (newest = x1), XB over the odd taps (newest = x0).
    const pos = (this.#pos + 11) % 12;
    this.#pos = pos;
    const first = this.#first;
    const second = this.#second;
    first[pos] = first[pos + 12] = x0;
    second[pos] = second[pos + 12] = x1;
    let xa = 0;
    let xb = 0;
    for (let k = 0; k < 12; k++) {
      xa += QMF_EVEN[k]! * second[pos + k]!;
      xb += QMF_ODD[k]! * first[pos + k]!;
    }
    // >> 13 for the coefficient scale, >> 1 into the 15-bit sub-band domain
    const xlow = (xa + xb) >> 14;
    const xhigh = (xa - xb) >> 14;

    // Lower sub-band. SUBTRA, QUANTL
    const low = this.#low;
    const el = sat16(xlow - low.s);
    const mag = el >= 0 ? el : -(el + 1);
    const det = low.det;
    let m = 1;
    while (m < 30 && mag >= (Q6[m]! * det) >> 12) m++;
    const ilow = el < 0 ? ILN[m]! : ILP[m]!;
    // INVQAL on the 4-bit truncated code (what the decoder's predictor also sees)
    const ril = ilow >> 2;
    const dlow = (det * QM4[ril]!) >> 15;
    low.adaptScale(WL[RL42[ril]!]!, LOW_NB_MAX, 8);
    low.adapt(dlow);

    // Higher sub-band. SUBTRA, QUANTH
    const high = this.#high;
    const eh = sat16(xhigh - high.s);
    const hmag = eh >= 0 ? eh : -(eh + 1);
    const mih = hmag >= (564 * high.det) >> 12 ? 2 : 1;
    const ihigh = eh < 0 ? IHN[mih]! : IHP[mih]!;
    // INVQAH
    const dhigh = (high.det * QM2[ihigh]!) >> 15;
    high.adaptScale(WH[RH2[ihigh]!]!, HIGH_NB_MAX, 10);
    high.adapt(dhigh);

    return (ihigh << 6) | ilow;
  }
}

/** A G.722 decoder for one stream: one octet in, two 16 kHz samples out. */
export class G722Decoder {
  #low = new SubBand(32);
  #high = new SubBand(8);
  /** receive QMF history, newest first, doubled: sums (rl + rh) and differences (rl - rh) */
  #sum = new Int32Array(24);
  #diff = new Int32Array(24);
  #pos = 0;

  reset(): void {
    this.#low.reset();
    this.#high.reset();
    this.#sum.fill(0);
    this.#diff.fill(0);
    this.#pos = 0;
  }

  /**
   * Decode `octets` octets of `src` from `srcOffset` into `dst` from `dstOffset`.
   * Returns the samples written (2 per octet); `dst` must have room for them.
   */
  decode(src: Uint8Array, dst: Int16Array, octets = src.length, srcOffset = 0, dstOffset = 0): number {
    const low = this.#low;
    const high = this.#high;
    const sum = this.#sum;
    const diff = this.#diff;
    let out = dstOffset;
    for (let n = 0; n < octets; n++) {
      const code = src[srcOffset + n]!;
      const ilow = code & 0x3f;
      const ihigh = code >> 6;

      // Lower sub-band: INVQBL (6-bit), RECONS, LIMIT; then INVQAL (4-bit) drives adaptation
      let rlow = low.s + ((low.det * QM6[ilow]!) >> 15);
      if (rlow > 16383) rlow = 16383;
      else if (rlow < -16384) rlow = -16384;
      const ril = ilow >> 2;
      const dlow = (low.det * QM4[ril]!) >> 15;
      low.adaptScale(WL[RL42[ril]!]!, LOW_NB_MAX, 8);
      low.adapt(dlow);

      // Higher sub-band: INVQAH, RECONS, LIMIT
      const dhigh = (high.det * QM2[ihigh]!) >> 15;
      let rhigh = high.s + dhigh;
      if (rhigh > 16383) rhigh = 16383;
      else if (rhigh < -16384) rhigh = -16384;
      high.adaptScale(WH[RH2[ihigh]!]!, HIGH_NB_MAX, 10);
      high.adapt(dhigh);

      // Receive QMF: two output samples per pair of sub-band samples
      const pos = (this.#pos + 11) % 12;
      this.#pos = pos;
      sum[pos] = sum[pos + 12] = rlow + rhigh;
      diff[pos] = diff[pos + 12] = rlow - rhigh;
      let y0 = 0;
      let y1 = 0;
      for (let k = 0; k < 12; k++) {
        y0 += QMF_EVEN[k]! * diff[pos + k]!;
        y1 += QMF_ODD[k]! * sum[pos + k]!;
      }
      // >> 12 for the coefficients and the ×2 of the synthesis filter, << 1 out of the 15-bit domain
      dst[out++] = sat16(y0 >> 11);
      dst[out++] = sat16(y1 >> 11);
    }
    return out - dstOffset;
  }
}

/** Samples (16 kHz) per 20 ms frame, octets per 20 ms frame, and the RTP timestamp step. */
export const G722_SAMPLES_PER_20MS = 320;
export const G722_OCTETS_PER_20MS = 160;
export const G722_RTP_CLOCK_RATE = 8000;
