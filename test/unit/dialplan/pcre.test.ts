// PCRE-flavoured dialplan expressions → JS RegExp, and FS's $N substitution.

import { describe, expect, it } from 'vitest';
import { asteriskToRegex, compilePattern, matchCaptures, PatternError, substituteCaptures } from '../../../src/dialplan/index.js';

describe('compilePattern', () => {
  it.each<[string, string, boolean]>([
    ['^1000$', '1000', true],
    ['/^abc$/i', 'ABC', true],
    ['^abc$', 'ABC', false],
    ['/a.b/s', 'a\nb', true],
    ['a.b', 'a\nb', false],
    ['/a.b/is', 'A\nB', true],
    ['/a.b/x', 'a-b', true],
    ['(?i)^operator$', 'OPERATOR', true],
    ['(?i)(?s)^a.b$', 'A\nB', true],
    // PCRE's $ also matches before a final newline.
    ['^1000$', '1000\n', true],
    ['\\A1000\\z', '1000\n', false],
    ['\\A1000\\Z', '1000\n', true],
    ['x\\A1000', 'x1000', false],
    ['^(?P<ext>\\d{4})-(?P=ext)$', '1000-1000', true],
    ['^(?<a>\\d)(?\'b\'\\d)\\k{a}\\g{2}\\g{-1}$', '12122', true],
    ['^\\Q1.0+\\E$', '1.0+', true],
    ['^\\Q1.0+\\E$', '1x00', false],
    ['^[[:digit:]]+$', '5551212', true],
    ['^[[:alpha:]_]+$', 'ab_c', true],
    ['^[]a]+$', ']a]', true],
    ['^[^]a]+$', 'bcd', true],
    ['^\\h*x$', ' \tx', true],
    ['^a{2,3}$', 'aaa', true],
    ['^a{,2}$', 'a{,2}', true],
    ['^x{$', 'x{', true],
    ['(?#a comment)^1$', '1', true],
    ['^88(\\d{4})$|^\\*0(.*)$', '*05', true],
    ['^(?!6000)60\\d{2}$', '6001', true],
    ['^(?!6000)60\\d{2}$', '6000', false],
    ['^a+?b$', 'aab', true],
    ['^\\e$', '\x1b', true],
  ])('/%s/ against %j → %s', (pattern, subject, matches) => {
    expect(compilePattern(pattern).test(subject)).toBe(matches);
  });

  it.each([
    ['possessive quantifier', '^\\d++$', /possessive/],
    ['possessive {n}+', '^\\d{2}+$', /possessive/],
    ['atomic group', '^(?>a|ab)c$', /atomic/],
    ['inline option in the middle', '^a(?i)b$', /only supported at the start/],
    ['scoped inline option', '^(?i:a)b$', /only supported at the start/],
    ['recursion', '^(a(?R)?b)$', /recursion/],
    ['unicode property', '^\\p{L}+$', /Unicode property/],
    ['\\G', '\\Gabc', /not supported/],
    ['unknown escape', '^\\y$', /unrecognized escape/],
    ['missing closing slash', '/abc', /missing ending/],
    ['unbalanced parenthesis', '^(10', /does not compile/],
    ['unterminated class', '^[0-9', /terminating \]/],
    ['extended mode', '(?x)^a b$', /inline option \(\?x\)/],
  ])('rejects %s', (_name, pattern, message) => {
    expect(() => compilePattern(pattern)).toThrow(PatternError);
    expect(() => compilePattern(pattern)).toThrow(message);
  });

  it('names the expression and the reason in the error', () => {
    try {
      compilePattern('^(10');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(PatternError);
      expect((err as PatternError).code).toBe('ERR_DIALPLAN_REGEX');
      expect((err as PatternError).message).toMatch(/^regex \/\^\(10\/ does not compile: .*Unterminated group/);
    }
  });
});

describe('Asterisk patterns', () => {
  it.each([
    ['NXXXXXX', '^[2-9][0-9][0-9][0-9][0-9][0-9][0-9]$'],
    ['1XXX', '^1[0-9][0-9][0-9]$'],
    ['9Z.', '^9[1-9].*$'],
    ['[2-4]X', '^[2-4][0-9]$'],
  ])('_%s → %s', (pattern, regex) => {
    expect(asteriskToRegex(pattern)).toBe(regex);
  });

  it.each<[string, string, boolean]>([
    ['_NXXXXXX', '5551212', true],
    ['_NXXXXXX', '1551212', false],
    ['_NXXXXXX', '55512120', false],
    ['_9Z.', '91', true],
    ['_9Z.', '9123456', true],
    ['_9Z.', '90', false],
  ])('%s against %s → %s', (pattern, subject, matches) => {
    expect(compilePattern(pattern).test(subject)).toBe(matches);
  });
});

describe('substituteCaptures', () => {
  const m = /^(1)(2)(3)(4)(5)(6)(7)(8)(9)(0)(x)?$/.exec('1234567890')!;
  it.each([
    ['$1-$2', '1-2'],
    ['${1}${2}0', '120'],
    ['$0', '1234567890'],
    ['$10', '0'],
    ['$11', ''],
    ['${11}x', 'x'],
    ['$$1', '$1'],
    ['cost $ 5', 'cost $ 5'],
    ['${name}-$1', '${name}-1'],
    ['${1x}', '${1x}'],
    ['$300', ''],
    ['end$', 'end$'],
  ])('%s → %s', (data, out) => {
    expect(substituteCaptures(data, m)).toBe(out);
  });

  it('inserts nothing for every $N when there is no match', () => {
    expect(substituteCaptures('a$1b${2}c$0', null)).toBe('abc');
  });

  it('lists captures up to the highest group taking part, skipping the ones that did not', () => {
    expect(matchCaptures(/^88(\d{4})$|^\*0(.*)$/.exec('*05')!)).toEqual(['*05', '5']);
    expect(matchCaptures(/^88(\d{4})$|^\*0(.*)$/.exec('881234')!)).toEqual(['881234', '1234']);
  });
});
