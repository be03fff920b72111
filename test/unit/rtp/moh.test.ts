import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MOH_SECONDS, MusicOnHoldError, ensureMusicOnHold, generateMusicOnHold, parseWavHeader, readWavFile } from '../../../src/rtp/index.js';
import { db, goertzelPower, rms } from './signals.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rtp-moh-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('generateMusicOnHold', () => {
  const pcm8 = generateMusicOnHold({ sampleRate: 8000 });

  it(`is ${MOH_SECONDS} s of audio peaking at -6 dBFS with a comfortable loudness`, () => {
    expect(pcm8.length).toBe(MOH_SECONDS * 8000);
    let peak = 0;
    for (const v of pcm8) peak = Math.max(peak, Math.abs(v));
    expect(peak).toBe(16384);
    const loudness = db(rms(pcm8) / 32768);
    expect(loudness).toBeGreaterThan(-24);
    expect(loudness).toBeLessThan(-12);
  });

  it('is the same every time (no randomness)', () => {
    expect(generateMusicOnHold({ sampleRate: 8000 })).toEqual(pcm8);
  });

  it('starts and ends at silence so a loop does not click', () => {
    expect(pcm8[0]).toBe(0);
    expect(Math.abs(pcm8[pcm8.length - 1]!)).toBeLessThan(50);
  });

  it('keeps its energy in the telephone band (musical notes, not noise)', () => {
    // energy at C major notes vs. at 3.6 kHz, over the first bar
    const low = goertzelPower(pcm8, 523.25, 8000, 0, 20000);
    const high = goertzelPower(pcm8, 3600, 8000, 0, 20000);
    expect(db(Math.sqrt(low / high))).toBeGreaterThan(40);
  });

  it('renders at 16 kHz too, with the same duration', () => {
    expect(generateMusicOnHold({ sampleRate: 16000 }).length).toBe(MOH_SECONDS * 16000);
  });

  it('refuses an unsupported rate', () => {
    expect(() => generateMusicOnHold({ sampleRate: 4000 })).toThrow(MusicOnHoldError);
  });
});

describe('ensureMusicOnHold', () => {
  it('writes the file into a new directory once, then keeps it', async () => {
    const path = join(dir, 'sounds', 'music', 'moh-8000.wav');
    expect(await ensureMusicOnHold(path)).toEqual({ path, created: true });
    const first = await readFile(path);
    expect(await ensureMusicOnHold(path)).toEqual({ path, created: false });
    expect((await readFile(path)).equals(first)).toBe(true);
    const { info, samples } = await readWavFile(path);
    expect(info).toMatchObject({ encoding: 'pcm16', channels: 1, sampleRate: 8000, frames: MOH_SECONDS * 8000 });
    expect(samples).toEqual(generateMusicOnHold());
  });

  it('replaces a corrupt file and a file at another rate', async () => {
    const path = join(dir, 'moh.wav');
    await writeFile(path, 'not a wav');
    expect((await ensureMusicOnHold(path, { sampleRate: 16000 })).created).toBe(true);
    expect(parseWavHeader(await readFile(path)).sampleRate).toBe(16000);
    expect((await ensureMusicOnHold(path, { sampleRate: 8000 })).created).toBe(true);
    expect(parseWavHeader(await readFile(path)).sampleRate).toBe(8000);
  });

  it('fails with the file system error when the directory cannot be made', async () => {
    const blocker = join(dir, 'blocker');
    await writeFile(blocker, 'a file where a directory should be');
    await expect(ensureMusicOnHold(join(blocker, 'moh.wav'))).rejects.toThrow(/EEXIST|ENOTDIR/);
  });
});
