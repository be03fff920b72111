import { describe, expect, it } from 'vitest';
import { SilenceGenerator, ToneGenerator, ToneSyntaxError, parseSilenceStream, parseTgml, parseToneStreamUri } from '../../../src/rtp/index.js';
import { rms, toneAmplitude, zeroCrossingFrequency } from './signals.js';

/** Render a whole (finite) program, in 20 ms frames, with a safety cap. */
function render(script: string, rate: number, maxSeconds = 60): Int16Array {
  const gen = new ToneGenerator(parseTgml(script), rate);
  const frame = new Int16Array(rate / 50);
  const out: number[] = [];
  while (!gen.done && out.length < maxSeconds * rate) {
    const n = gen.read(frame);
    for (let i = 0; i < n; i++) out.push(frame[i]!);
  }
  return Int16Array.from(out);
}

/** libteletone's peak amplitude for a single tone at `db` (0 dB is 6.16 dB under µ-law full scale, ×√2). */
const amplitude = (dbLevel: number) => Math.pow(10, (dbLevel - 6.16) / 20) * 32767 * 1.414214;

describe('parseTgml', () => {
  it.each([
    ['us-ring', '%(2000,4000,440,480)', [{ onMs: 2000, offMs: 4000, freqs: [440, 480] }], 1],
    ['uk-ring', '%(400,200,400,450);%(400,2000,400,450)', [{ onMs: 400, offMs: 200, freqs: [400, 450] }, { onMs: 400, offMs: 2000, freqs: [400, 450] }], 1],
    ['milliwatt', '%(251,0,1004)', [{ onMs: 251, offMs: 0, freqs: [1004] }], 1],
    ['a trailing zero frequency ends the list', '%(1000, 4000, 425.0, 0.0)', [{ onMs: 1000, offMs: 4000, freqs: [425] }], 1],
    ['sit', '%(274,0,913.8);%(274,0,1370.6);%(380,0,1776.7)', [{ freqs: [913.8] }, { freqs: [1370.6] }, { freqs: [1776.7] }], 1],
    ['loops=-1 postfix', '%(100,15000,800);loops=-1', [{ onMs: 100, offMs: 15000, freqs: [800] }], -1],
    ['L=100 prefix', 'L=100;%(100,100,350,440)', [{ onMs: 100, offMs: 100 }], 100],
    ['L and loops multiply', 'L=2;%(10,10,350);loops=3', [{ onMs: 10 }], 6],
    ['DTMF digits with default timing', '12', [{ onMs: 250, offMs: 62.5, freqs: [697, 1209] }, { freqs: [697, 1336] }], 1],
    ['a DTMF digit with its own timing', '7(1000,500)', [{ onMs: 1000, offMs: 500, freqs: [852, 1209] }], 1],
    ['d= and w= set the defaults', 'd=100;w=50;#', [{ onMs: 100, offMs: 50, freqs: [941, 1477] }], 1],
  ] as const)('%s: %s', (_name, script, segments, loops) => {
    const p = parseTgml(script);
    expect(p.loops).toBe(loops);
    expect(p.segments).toHaveLength(segments.length);
    segments.forEach((s, i) => expect(p.segments[i]).toMatchObject(s));
  });

  it('v= and the ramp settings apply to the tones that follow', () => {
    const p = parseTgml('v=-7;%(100,0,941.0,1477.0);v=-10;>=2;+=.1;%(1400,0,350,440)');
    expect(p.segments[0]).toMatchObject({ volumeDb: -7, rampDirection: 0 });
    expect(p.segments[1]).toMatchObject({ volumeDb: -10, rampDirection: -1, rampStepMs: 2, rampStepDb: 0.1 });
  });

  it('l= repeats the next tone only', () => {
    const p = parseTgml('l=3;%(100,100,440);%(100,100,480)');
    expect(p.segments.map((s) => s.repeat)).toEqual([3, 1]);
  });

  it('a volume outside -63…0 is ignored, as libteletone does', () => {
    expect(parseTgml('v=5;%(10,0,440)').segments[0]!.volumeDb).toBe(-7);
  });

  it('newlines and spaces between instructions are fine (a .ttml file)', () => {
    expect(parseTgml('v=-20;\n%(100,0,440);\r\n  %(100,0,880);\n').segments).toHaveLength(2);
  });

  it.each([
    ['%(100,200)', /at least one frequency/],
    ['%(100,200,abc)', /bad frequency/],
    ['%(100,200,440', /missing '\)'/],
    ['x=1', /unknown setting/],
    ['Q', /unknown tone/],
    ['5(100,100,100)', /two values/],
    ['v=loud', /bad volume/],
  ])('%s is a syntax error', (script, message) => {
    expect(() => parseTgml(script)).toThrow(ToneSyntaxError);
    expect(() => parseTgml(script)).toThrow(message);
  });

  it('refuses a huge script', () => {
    expect(() => parseTgml('1'.repeat(100_000))).toThrow(ToneSyntaxError);
  });
});

describe('parseToneStreamUri', () => {
  it('reads an inline script and a path= script file with its loops', () => {
    const inline = parseToneStreamUri('tone_stream://%(251,0,1004);loops=-1');
    expect(inline.kind === 'script' && inline.program.loops).toBe(-1);
    expect(parseToneStreamUri('tone_stream://path=/usr/share/conf/tetris.ttml;loops=10')).toEqual({ kind: 'path', path: '/usr/share/conf/tetris.ttml', loops: 10 });
    expect(() => parseToneStreamUri('tone_stream://path=')).toThrow(ToneSyntaxError);
  });
});

describe('ToneGenerator', () => {
  it('us-ring at 8 kHz: 440+480 Hz for 2 s at libteletone’s level, then 4 s of silence, then done', () => {
    const y = render('%(2000,4000,440,480)', 8000);
    expect(y.length).toBe(6 * 8000);
    // each of the two tones carries half of the -7 dB amplitude
    expect(toneAmplitude(y, 440, 8000, 0, 16000)).toBeCloseTo(amplitude(-7) / 2, -1);
    expect(toneAmplitude(y, 480, 8000, 0, 16000)).toBeCloseTo(amplitude(-7) / 2, -1);
    expect(toneAmplitude(y, 1000, 8000, 0, 16000)).toBeLessThan(20);
    expect(rms(y, 16000)).toBe(0);
  });

  it('uk-ring renders its double ring cadence', () => {
    const y = render('%(400,200,400,450);%(400,2000,400,450)', 8000);
    expect(y.length).toBe(3 * 8000);
    const on = (from: number, to: number) => rms(y, from * 8, to * 8);
    expect(on(0, 400)).toBeGreaterThan(1000);
    expect(on(400, 600)).toBe(0);
    expect(on(600, 1000)).toBeGreaterThan(1000);
    expect(on(1000, 3000)).toBe(0);
  });

  it('the milliwatt test tone is 1004 Hz at 16 kHz and loops without end', () => {
    const gen = new ToneGenerator(parseTgml('%(251,0,1004);loops=-1'), 16000);
    const frame = new Int16Array(320);
    const y = new Int16Array(16000 * 3);
    for (let o = 0; o < y.length; o += 320) {
      expect(gen.read(frame)).toBe(320);
      y.set(frame, o);
    }
    expect(gen.done).toBe(false);
    expect(zeroCrossingFrequency(y, 16000)).toBeCloseTo(1004, 0);
    // the phase restarts with every 251 ms tone, as libteletone's does: within 1 %
    expect(Math.abs(toneAmplitude(y, 1004, 16000) / amplitude(-7) - 1)).toBeLessThan(0.01);
  });

  it('a decaying tone gets quieter over time', () => {
    const y = render('v=-7;>=2;+=.1;%(1400,0,350,440)', 8000);
    expect(rms(y, 10400, 11200)).toBeLessThan(rms(y, 0, 800) / 4);
  });

  it('v= changes the level', () => {
    const loud = render('v=-3;%(500,0,1000)', 8000);
    const soft = render('v=-23;%(500,0,1000)', 8000);
    expect(toneAmplitude(loud, 1000, 8000) / toneAmplitude(soft, 1000, 8000)).toBeCloseTo(10, 0);
  });

  it('DTMF characters play their frequency pairs', () => {
    const y = render('5', 8000);
    expect(y.length).toBe(2000 + 500);
    expect(toneAmplitude(y, 770, 8000, 0, 2000)).toBeGreaterThan(1000);
    expect(toneAmplitude(y, 1336, 8000, 0, 2000)).toBeGreaterThan(1000);
  });

  it('L=3 plays the script three times', () => {
    expect(render('L=3;%(100,100,350,440)', 8000).length).toBe(3 * 1600);
  });

  it('a program with no sound and no silence is done at once', () => {
    const gen = new ToneGenerator(parseTgml('%(0,0,440);loops=-1'), 8000);
    expect(gen.done).toBe(true);
    expect(gen.read(new Int16Array(160))).toBe(0);
  });

  it('read() honours count and offset and returns less only at the end', () => {
    const gen = new ToneGenerator(parseTgml('%(10,0,440)'), 8000); // 80 samples
    const buf = new Int16Array(100).fill(123);
    expect(gen.read(buf, 50, 10)).toBe(50);
    expect(buf[0]).toBe(123);
    expect(gen.read(buf, 50, 60)).toBe(30);
    expect(buf[95]).toBe(123);
    expect(gen.done).toBe(true);
  });
});

describe('silence_stream', () => {
  it.each([
    ['silence_stream://2000', { ms: 2000, noise: 0 }],
    ['silence_stream://-1', { ms: -1, noise: 0 }],
    ['silence_stream://0', { ms: -1, noise: 0 }],
    ['silence_stream://-1,1400', { ms: -1, noise: 1400 }],
  ])('%s', (uri, expected) => {
    expect(parseSilenceStream(uri)).toEqual(expected);
  });

  it('refuses a non-number', () => {
    expect(() => parseSilenceStream('silence_stream://soon')).toThrow(ToneSyntaxError);
  });

  it('produces exactly the asked duration of zeros', () => {
    const gen = new SilenceGenerator(50, 8000);
    const frame = new Int16Array(160).fill(9);
    expect(gen.read(frame)).toBe(160);
    expect(gen.read(frame)).toBe(160);
    expect(gen.read(frame)).toBe(80);
    expect(frame.subarray(0, 80).every((v) => v === 0)).toBe(true);
    expect(gen.done).toBe(true);
  });

  it('comfort noise is quiet but not digital silence', () => {
    const gen = new SilenceGenerator(-1, 8000, 1400);
    const frame = new Int16Array(8000);
    gen.read(frame);
    expect(rms(frame)).toBeGreaterThan(1);
    expect(rms(frame)).toBeLessThan(40);
    expect(gen.done).toBe(false);
  });
});
