import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  WavFormatError,
  WavWriter,
  decodeWav,
  encodeWav,
  linearToAlaw,
  linearToUlaw,
  parseWavHeader,
  readWavFile,
  wavHeader,
} from '../../../src/rtp/index.js';
import { sine } from './signals.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rtp-wav-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A WAV file from parts: fmt fields, optional extra chunks before data, the data bytes. */
function wav(opts: { format: number; channels: number; rate: number; bits: number; data: Uint8Array; extra?: Buffer[]; dataSize?: number; fmtExt?: Buffer }): Buffer {
  const fmtBody = Buffer.alloc(16);
  fmtBody.writeUInt16LE(opts.format, 0);
  fmtBody.writeUInt16LE(opts.channels, 2);
  fmtBody.writeUInt32LE(opts.rate, 4);
  const block = (opts.channels * opts.bits) / 8;
  fmtBody.writeUInt32LE(opts.rate * block, 8);
  fmtBody.writeUInt16LE(block, 12);
  fmtBody.writeUInt16LE(opts.bits, 14);
  const fmtFull = opts.fmtExt ? Buffer.concat([fmtBody, opts.fmtExt]) : fmtBody;
  const chunk = (id: string, body: Buffer, size = body.length) => {
    const h = Buffer.alloc(8);
    h.write(id, 0, 'latin1');
    h.writeUInt32LE(size, 4);
    return Buffer.concat([h, body, body.length & 1 ? Buffer.alloc(1) : Buffer.alloc(0)]);
  };
  const parts = [chunk('fmt ', fmtFull), ...(opts.extra ?? []), chunk('data', Buffer.from(opts.data), opts.dataSize ?? opts.data.length)];
  const body = Buffer.concat(parts);
  const riff = Buffer.alloc(12);
  riff.write('RIFF', 0, 'latin1');
  riff.writeUInt32LE(4 + body.length, 4);
  riff.write('WAVE', 8, 'latin1');
  return Buffer.concat([riff, body]);
}

function pcm16(samples: number[]): Uint8Array {
  const b = Buffer.alloc(samples.length * 2);
  samples.forEach((s, i) => b.writeInt16LE(s, i * 2));
  return b;
}

describe('reading WAV files', () => {
  it('reads 16-bit mono PCM at 8 kHz as written', () => {
    const x = sine(440, 8000, 800, 10000);
    const { info, samples } = decodeWav(encodeWav(x, 8000));
    expect(info).toMatchObject({ encoding: 'pcm16', sampleRate: 8000, channels: 1, blockAlign: 2, dataOffset: 44, dataBytes: 1600, frames: 800 });
    expect(samples).toEqual(x);
  });

  it.each([16000, 48000])('reads 16-bit mono PCM at %i Hz', (rate) => {
    const { info } = decodeWav(encodeWav(new Int16Array(rate / 10), rate));
    expect(info.sampleRate).toBe(rate);
    expect(info.frames).toBe(rate / 10);
  });

  it('averages a stereo file down to mono', () => {
    const data = pcm16([1000, 3000, -2000, -4000, 32767, 32767]);
    const { info, samples } = decodeWav(wav({ format: 1, channels: 2, rate: 16000, bits: 16, data }));
    expect(info).toMatchObject({ channels: 2, frames: 3, blockAlign: 4 });
    expect([...samples]).toEqual([2000, -3000, 32767]);
  });

  it('decodes µ-law (format 7) and A-law (format 6) files', () => {
    const levels = [0, 1000, -1000, 30000];
    const u = decodeWav(wav({ format: 7, channels: 1, rate: 8000, bits: 8, data: Uint8Array.from(levels.map(linearToUlaw)) }));
    const a = decodeWav(wav({ format: 6, channels: 1, rate: 8000, bits: 8, data: Uint8Array.from(levels.map(linearToAlaw)) }));
    expect(u.info.encoding).toBe('ulaw');
    expect(a.info.encoding).toBe('alaw');
    u.samples.forEach((v, i) => expect(Math.abs(v - levels[i]!)).toBeLessThan(levels[i]! === 30000 ? 1100 : 40));
    a.samples.forEach((v, i) => expect(Math.abs(v - levels[i]!)).toBeLessThan(levels[i]! === 30000 ? 1100 : 40));
  });

  it('decodes 8-bit unsigned PCM', () => {
    const { samples } = decodeWav(wav({ format: 1, channels: 1, rate: 8000, bits: 8, data: Uint8Array.from([128, 255, 0]) }));
    expect([...samples]).toEqual([0, 127 << 8, -128 << 8]);
  });

  it('reads WAVE_FORMAT_EXTENSIBLE with a PCM subformat', () => {
    const ext = Buffer.alloc(24);
    ext.writeUInt16LE(22, 0); // cbSize
    ext.writeUInt16LE(16, 2); // valid bits
    ext.writeUInt32LE(4, 4); // channel mask
    ext.writeUInt16LE(1, 8); // subformat GUID starts with the format tag
    const { info, samples } = decodeWav(wav({ format: 0xfffe, channels: 1, rate: 16000, bits: 16, data: pcm16([5, -5]), fmtExt: ext }));
    expect(info.encoding).toBe('pcm16');
    expect([...samples]).toEqual([5, -5]);
  });

  it('skips unknown chunks, including odd-sized ones padded to even', () => {
    const list = Buffer.concat([Buffer.from('LIST', 'latin1'), Buffer.from([5, 0, 0, 0]), Buffer.from('INFOx', 'latin1'), Buffer.alloc(1)]);
    const fact = Buffer.concat([Buffer.from('fact', 'latin1'), Buffer.from([4, 0, 0, 0]), Buffer.alloc(4)]);
    const { samples } = decodeWav(wav({ format: 1, channels: 1, rate: 8000, bits: 16, data: pcm16([7, 8, 9]), extra: [list, fact] }));
    expect([...samples]).toEqual([7, 8, 9]);
  });

  it.each([
    ['0 (a writer died before fixing the header)', 0],
    ['0xFFFFFFFF (a streaming writer)', 0xffffffff],
    ['larger than the file', 1_000_000_000],
  ])('a data size of %s means "to the end of the file"', (_name, size) => {
    const { info, samples } = decodeWav(wav({ format: 1, channels: 1, rate: 8000, bits: 16, data: pcm16([1, 2, 3]), dataSize: size }));
    expect(info.frames).toBe(3);
    expect([...samples]).toEqual([1, 2, 3]);
  });

  it('drops a trailing partial frame', () => {
    const { info } = decodeWav(wav({ format: 1, channels: 2, rate: 8000, bits: 16, data: Uint8Array.from([1, 0, 2, 0, 3]) }));
    expect(info.frames).toBe(1);
  });

  it('parses a header from a prefix given the file size', () => {
    const file = encodeWav(new Int16Array(8000), 8000);
    expect(parseWavHeader(file.subarray(0, 64), file.length)).toMatchObject({ dataOffset: 44, frames: 8000 });
  });
});

describe('bad WAV files give a WavFormatError, never a crash', () => {
  const good = encodeWav(sine(440, 8000, 100, 1000), 8000);
  const rows: Array<[string, Uint8Array, RegExp]> = [
    ['an empty file', new Uint8Array(0), /too short/],
    ['an MP3 file', Buffer.from('ID3\x04\x00\x00\x00\x00\x00\x00hello mp3 frames', 'latin1'), /no RIFF\/WAVE/],
    ['a RIFF file that is not WAVE', Buffer.concat([Buffer.from('RIFF\x10\x00\x00\x00AVI ', 'latin1'), Buffer.alloc(8)]), /no RIFF\/WAVE/],
    ['a header with no chunks', good.subarray(0, 12), /no data chunk/],
    ['data before fmt', Buffer.concat([good.subarray(0, 12), good.subarray(36)]), /before the fmt/],
    ['a 3-channel file', wav({ format: 1, channels: 3, rate: 8000, bits: 16, data: new Uint8Array(6) }), /3 channels/],
    ['a 0-channel file', wav({ format: 1, channels: 0, rate: 8000, bits: 16, data: new Uint8Array(6) }), /0 channels/],
    ['24-bit PCM', wav({ format: 1, channels: 1, rate: 8000, bits: 24, data: new Uint8Array(6) }), /24-bit/],
    ['IEEE float', wav({ format: 3, channels: 1, rate: 8000, bits: 32, data: new Uint8Array(8) }), /format 3/],
    ['a sample rate of 0', wav({ format: 1, channels: 1, rate: 0, bits: 16, data: new Uint8Array(2) }), /sample rate 0/],
    ['a chunk size running past the end', Buffer.concat([good.subarray(0, 12), Buffer.from('junk', 'latin1'), Buffer.from([0xff, 0xff, 0xff, 0x7f])]), /past the end/],
    ['a truncated fmt chunk', Buffer.concat([good.subarray(0, 12), Buffer.from('fmt ', 'latin1'), Buffer.from([8, 0, 0, 0]), Buffer.alloc(8)]), /fmt chunk too short/],
  ];

  it.each(rows)('%s', (_name, bytes, message) => {
    expect(() => decodeWav(bytes, 'test.wav')).toThrow(WavFormatError);
    expect(() => decodeWav(bytes, 'test.wav')).toThrow(message);
  });

  it('every truncation of a valid file either parses or throws WavFormatError', () => {
    for (let n = 0; n <= good.length; n++) {
      try {
        const { info, samples } = decodeWav(good.subarray(0, n));
        expect(samples.length).toBe(info.frames);
        expect(info.frames).toBeLessThanOrEqual(100);
      } catch (err) {
        expect(err).toBeInstanceOf(WavFormatError);
      }
    }
  });

  it('random bytes behind a RIFF/WAVE signature never crash or allocate beyond the file', () => {
    let seed = 99;
    for (let n = 0; n < 500; n++) {
      const bytes = Buffer.alloc(12 + (n % 200));
      for (let i = 12; i < bytes.length; i++) bytes[i] = (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24;
      bytes.write('RIFF', 0, 'latin1');
      bytes.write('WAVE', 8, 'latin1');
      if (n % 3 === 0) bytes.write('fmt ', 12, 'latin1');
      try {
        const { samples } = decodeWav(bytes);
        expect(samples.length).toBeLessThanOrEqual(bytes.length);
      } catch (err) {
        expect(err).toBeInstanceOf(WavFormatError);
      }
    }
  });

  it('readWavFile refuses a file over the size limit and a directory', async () => {
    const path = join(dir, 'big.wav');
    await writeFile(path, encodeWav(new Int16Array(8000), 8000));
    await expect(readWavFile(path, { maxBytes: 1000 })).rejects.toThrow(/over the 1000-byte limit/);
    await expect(readWavFile(dir)).rejects.toThrow(WavFormatError);
    expect((await readWavFile(path)).info.frames).toBe(8000);
  });

  it('readWavFile names the file in its errors', async () => {
    const path = join(dir, 'not-a.wav');
    await writeFile(path, 'hello');
    await expect(readWavFile(path)).rejects.toThrow(`${path}: not a WAV file`);
  });
});

describe('WavWriter', () => {
  it('writes a stereo recording across many buffer flushes and fixes the header on close', async () => {
    const path = join(dir, 'rec.wav');
    const w = await WavWriter.open(path, { sampleRate: 8000, channels: 2, bufferBytes: 1000 });
    const left = sine(300, 8000, 160, 8000);
    const right = sine(700, 8000, 160, 4000);
    for (let i = 0; i < 50; i++) expect(w.writeStereo(left, right)).toBe(true);
    expect(w.frames).toBe(8000);
    expect(w.durationMs).toBe(1000);
    await w.close();
    const file = await readFile(path);
    expect(file.readUInt32LE(4)).toBe(36 + 32000);
    expect(file.readUInt32LE(40)).toBe(32000);
    const info = parseWavHeader(file);
    expect(info).toMatchObject({ encoding: 'pcm16', channels: 2, sampleRate: 8000, frames: 8000 });
    // channel 0 is the left leg, channel 1 the right, frame by frame
    for (let f = 0; f < 8000; f += 997) {
      expect(file.readInt16LE(44 + f * 4)).toBe(left[f % 160]);
      expect(file.readInt16LE(46 + f * 4)).toBe(right[f % 160]);
    }
  });

  it('writes interleaved samples with write() and reads back the same', async () => {
    const path = join(dir, 'mono.wav');
    const w = await WavWriter.open(path, { sampleRate: 16000, channels: 1, bufferBytes: 640 });
    const x = sine(1000, 16000, 3333, 12000);
    expect(w.write(x, 1000)).toBe(true);
    expect(w.write(x, 2333, 1000)).toBe(true);
    await w.close();
    expect((await readWavFile(path)).samples).toEqual(x);
  });

  it('stops at maxDataBytes (record_session +max_sec) and reports it', async () => {
    const path = join(dir, 'capped.wav');
    const w = await WavWriter.open(path, { sampleRate: 8000, channels: 2, maxDataBytes: 1000 });
    const frame = new Int16Array(160);
    expect(w.writeStereo(frame, frame)).toBe(true); // 640 bytes
    expect(w.writeStereo(frame, frame)).toBe(false); // only 90 frames fit
    expect(w.full).toBe(true);
    expect(w.writeStereo(frame, frame)).toBe(false);
    await w.close();
    expect(parseWavHeader(await readFile(path)).frames).toBe(250);
  });

  it('close() twice is a no-op, and writing after close is refused', async () => {
    const path = join(dir, 'closed.wav');
    const w = await WavWriter.open(path, { sampleRate: 8000, channels: 1 });
    w.write(new Int16Array(80));
    await w.close();
    await w.close();
    expect(w.write(new Int16Array(80))).toBe(false);
    expect(parseWavHeader(await readFile(path)).frames).toBe(80);
  });

  it('an empty recording is a valid WAV with no frames', async () => {
    const path = join(dir, 'empty.wav');
    const w = await WavWriter.open(path, { sampleRate: 8000, channels: 2 });
    await w.close();
    const file = await readFile(path);
    expect(file.length).toBe(44);
    expect(file.equals(wavHeader(8000, 2, 0))).toBe(true);
  });

  it('refuses a bad format and an unwritable path', async () => {
    await expect(WavWriter.open(join(dir, 'x.wav'), { sampleRate: 8000, channels: 3 as 2 })).rejects.toThrow(WavFormatError);
    await expect(WavWriter.open(join(dir, 'x.wav'), { sampleRate: 12.5, channels: 1 })).rejects.toThrow(WavFormatError);
    await expect(WavWriter.open(join(dir, 'no-such-dir', 'x.wav'), { sampleRate: 8000, channels: 1 })).rejects.toThrow(/ENOENT/);
  });
});
