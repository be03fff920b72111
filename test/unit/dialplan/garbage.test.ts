// Garbage input never crashes the parsers: they return, or throw their own typed error.

import { describe, expect, it } from 'vitest';
import {
  compilePattern,
  DialStringError,
  expandVariables,
  parseDialString,
  parseInlineDialplan,
  PatternError,
  separateString,
  splitArgs,
  substituteCaptures,
} from '../../../src/dialplan/index.js';
import { parseCause, parseReasonHeader } from '../../../src/b2bua/causes.js';

/** Small deterministic PRNG (mulberry32) so a failure can be replayed. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABET = ['$', '{', '}', '[', ']', '(', ')', '<', '>', "'", '\\', ',', '|', ':', '_', '^', '/', '=', ' ', 'a', '1', 'm', 'x', '\0', 'é', '?', '*', '+'];

function randomText(next: () => number, maxLen: number): string {
  const len = Math.floor(next() * maxLen);
  let s = '';
  for (let i = 0; i < len; i++) s += ALPHABET[Math.floor(next() * ALPHABET.length)];
  return s;
}

describe('garbage input', () => {
  it('is handled by every parser without an untyped exception', () => {
    const next = rng(0xc0ffee);
    const env = { getVariable: (n: string) => (n.length < 3 ? `v${n}` : undefined), callApi: (n: string, a: string) => (n === 'a' ? a : undefined) };
    for (let i = 0; i < 3000; i++) {
      const text = randomText(next, 60);
      expect(typeof expandVariables(text, env)).toBe('string');
      expect(Array.isArray(separateString(text, ','))).toBe(true);
      expect(Array.isArray(splitArgs(text))).toBe(true);
      expect(Array.isArray(parseInlineDialplan(text))).toBe(true);
      expect(typeof substituteCaptures(text, /(a)(1)?/.exec('a1'))).toBe('string');
      expect(typeof parseCause(text)).toBe('string');
      expect(Array.isArray(parseReasonHeader(text))).toBe(true);
      try {
        parseDialString(text);
      } catch (err) {
        expect(err).toBeInstanceOf(DialStringError);
      }
      try {
        compilePattern(text).test('x');
      } catch (err) {
        expect(err).toBeInstanceOf(PatternError);
      }
    }
  });

  it('handles very long input in bounded time', () => {
    const long = '${a}'.repeat(50_000) + '{'.repeat(10_000);
    const started = Date.now();
    expect(expandVariables(long, { getVariable: () => 'x', callApi: () => undefined }).startsWith('xxx')).toBe(true);
    expect(parseDialString(long).originates[0]!.groups[0]!.legs[0]!.endpoint.kind).toBe('expression');
    expect(() => parseDialString(`{${'a=1,'.repeat(50_000)}user/1000`)).toThrow(/unbalanced/);
    expect(() => parseDialString('user/1000,'.repeat(50_000))).toThrow(/more than 256 legs/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
