// Micro benchmarks of the media layer's per-packet work: G.711 and G.722 encode/decode of one
// 20 ms frame, PCMU→PCMA transcoding of one payload in place, RTP validation plus rewrite in
// place (beside werift-rtp's parse/serialize as a peer), and resampling. Each case runs
// batches bounded by a time budget and reports the median of its samples with the spread.
// Writes its section of bench/RESULTS.md between the rtp-codecs markers, nothing else.
//
// Run: npm run build && node dist/bench/rtp-codecs-bench.js [--results path/to/RESULTS.md]
// (or import runRtpCodecsBench from a run-all script).

import { loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import {
  G722Decoder,
  G722Encoder,
  Resampler,
  RtpStreamRewriter,
  checkRtp,
  decodeUlaw,
  encodeAlaw,
  encodeUlaw,
  ulawEncodeSample,
  ulawToAlaw,
  setRtpSequence,
  setRtpSsrc,
  setRtpTimestamp,
  writeRtpHeader,
} from '../src/rtp/index.js';
import { RtpPacket } from 'werift-rtp';
import { RESULTS_PATH, conditions, summarize, writeSection } from './results.js';

export interface BenchCase {
  name: string;
  /** what one operation is */
  unit: string;
  ops: number; // median operations per second
  nsPerOp: number;
  spreadPct: number; // (max - min) / median of the samples
  samples: number;
}

const SAMPLES = 7;
const MIN_SAMPLE_MS = 60;
const MAX_CASE_MS = 2500;

/** Run `fn` in batches until each sample lasts MIN_SAMPLE_MS; stop early past MAX_CASE_MS. */
function measure(name: string, unit: string, fn: () => void): BenchCase {
  // calibrate the batch size
  let batch = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) fn();
    const dt = performance.now() - t0;
    if (dt >= MIN_SAMPLE_MS / 4 || batch >= 1 << 24) break;
    batch *= 2;
  }
  batch *= 4;
  const rates: number[] = [];
  const start = performance.now();
  for (let s = 0; s < SAMPLES && performance.now() - start < MAX_CASE_MS; s++) {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) fn();
    const dt = performance.now() - t0;
    rates.push((batch * 1000) / dt);
  }
  const { median, spread } = summarize(rates);
  return { name, unit, ops: median, nsPerOp: 1e9 / median, spreadPct: spread * 100, samples: rates.length };
}

export function runRtpCodecsBench(): BenchCase[] {
  const results: BenchCase[] = [];
  // a 20 ms frame of speech-like signal at 8 and 16 kHz
  const pcm8 = new Int16Array(160).map((_, i) => Math.round(8000 * Math.sin(i / 3) + 3000 * Math.sin(i / 1.7)));
  const pcm16 = new Int16Array(320).map((_, i) => Math.round(8000 * Math.sin(i / 6) + 3000 * Math.sin(i / 2.1)));
  const bytes160 = new Uint8Array(160);
  const out160 = new Int16Array(160);
  const out320 = new Int16Array(320);
  encodeUlaw(pcm8, bytes160);
  let sink = 0;

  results.push(measure('G.711 µ-law encode (table)', '20 ms frame', () => encodeUlaw(pcm8, bytes160)));
  results.push(
    measure('G.711 µ-law encode (bit method, for comparison)', '20 ms frame', () => {
      for (let i = 0; i < 160; i++) bytes160[i] = ulawEncodeSample(pcm8[i]!);
    }),
  );
  results.push(measure('G.711 A-law encode (table)', '20 ms frame', () => encodeAlaw(pcm8, bytes160)));
  results.push(measure('G.711 µ-law decode', '20 ms frame', () => decodeUlaw(bytes160, out160)));

  const enc = new G722Encoder();
  const dec = new G722Decoder();
  const g722 = new Uint8Array(160);
  enc.encode(pcm16, g722);
  results.push(measure('G.722 encode', '20 ms frame', () => enc.encode(pcm16, g722)));
  results.push(measure('G.722 decode', '20 ms frame', () => dec.decode(g722, out320)));

  const packet = Buffer.alloc(172);
  writeRtpHeader(packet, 0, false, 1, 160, 0x1234);
  packet.set(bytes160, 12);
  results.push(measure('PCMU → PCMA in place', '160-byte payload', () => ulawToAlaw(packet, 12, 160)));

  const rw = new RtpStreamRewriter({ clockRate: 8000 });
  let seq = 0;
  let ts = 0;
  let now = 0;
  const arrive = () => {
    // what the socket hands over: the source's header fields for the next packet
    seq = (seq + 1) & 0xffff;
    ts = (ts + 160) >>> 0;
    setRtpSequence(packet, seq);
    setRtpTimestamp(packet, ts);
    setRtpSsrc(packet, 0x1234);
  };
  results.push(
    measure('RTP check + rewrite in place (ours)', 'packet', () => {
      arrive();
      if (checkRtp(packet, 172) === 0) rw.rewrite(packet, (now += 20));
    }),
  );
  // peer: the same rewrite done the object way with werift-rtp (parse, change, serialize)
  results.push(
    measure('RTP parse + rewrite + serialize (werift-rtp, peer)', 'packet', () => {
      arrive();
      const p = RtpPacket.deSerialize(packet);
      p.header.sequenceNumber = (p.header.sequenceNumber + 1000) & 0xffff;
      p.header.timestamp = (p.header.timestamp + 5000) >>> 0;
      p.header.ssrc = 0xabcdef;
      sink += p.serialize().length;
    }),
  );

  const up = new Resampler(8000, 16000);
  const upOut = new Int16Array(up.maxOutput(160));
  results.push(measure('resample 8 → 16 kHz', '20 ms frame', () => (sink += up.process(pcm8, upOut))));
  const down = new Resampler(48000, 8000);
  const pcm48 = new Int16Array(960).map((_, i) => Math.round(8000 * Math.sin(i / 18)));
  const downOut = new Int16Array(down.maxOutput(960));
  results.push(measure('resample 48 → 8 kHz', '20 ms frame', () => (sink += down.process(pcm48, downOut))));

  if (sink === -1) console.log(sink); // keep the work observable
  return results;
}

function fmt(n: number): string {
  return n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1);
}

export function renderSection(results: BenchCase[], loadAtStart: number): string {
  const lines = [
    '## RTP codecs and per-packet work (`bench/rtp-codecs-bench.ts`)',
    '',
    `${conditions()}, 1-min load average ${loadAtStart.toFixed(1)} at start. One thread, in process. Each row is the median of up to ${SAMPLES} samples of at least ${MIN_SAMPLE_MS} ms; spread = (max − min) / median. A 20 ms frame is 160 samples at 8 kHz (G.711) or 320 at 16 kHz (G.722); a relayed call needs 50 frames/s per direction, so ops/s ÷ 100 is the number of calls one core could transcode both ways with that step alone.`,
    '',
    '| case | per | ops/s | ns/op | spread |',
    '|---|---|---:|---:|---:|',
    ...results.map((r) => `| ${r.name} | ${r.unit} | ${fmt(r.ops)} | ${fmt(r.nsPerOp)} | ${r.spreadPct.toFixed(0)} % |`),
  ];
  return lines.join('\n');
}

function main(): void {
  const i = process.argv.indexOf('--results');
  const path = i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : RESULTS_PATH;
  const load = loadavg()[0]!;
  const section = renderSection(runRtpCodecsBench(), load);
  writeSection('rtp-codecs', section, path);
  console.log(section);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    main();
  } catch (err) {
    console.error(err);
    process.exitCode = 1;
  }
}
