// FS-style argument splitting (switch_separate_string) and switch_true.

import { describe, expect, it } from 'vitest';
import { separateString, splitArgs, splitOutsideNesting, switchTrue } from '../../../src/dialplan/index.js';

describe('splitArgs (space separated)', () => {
  it.each<[string, string[]]>([
    ["11 11 'tone_stream://%(10000,0,350,440)' digits 5000 #", ['11', '11', 'tone_stream://%(10000,0,350,440)', 'digits', '5000', '#']],
    ['  a   b  ', ['a', 'b']],
    ["'a b' 'c d'", ['a b', 'c d']],
    ["it's fine", ["it's", 'fine']],
    ['a\\sb c', ['a b', 'c']],
    ["a\\'b c", ["a'b", 'c']],
    ['\\d+ x', ['\\d+', 'x']],
    ['', []],
    ['   ', []],
  ])('%j → %j', (input, parts) => {
    expect(splitArgs(input)).toEqual(parts);
  });

  it('keeps the rest of the text in the last part when a maximum is given', () => {
    expect(splitArgs('transfer -bleg 1000 XML default', 3)).toEqual(['transfer', '-bleg', '1000 XML default']);
  });
});

describe('separateString (character delimiter)', () => {
  it.each<[string, string, string[]]>([
    ['a,b,c', ',', ['a', 'b', 'c']],
    ['a,,b', ',', ['a', '', 'b']],
    ['a,b,', ',', ['a', 'b']],
    [" a , 'b,c' ", ',', ['a', 'b,c']],
    ['a\\,b,c', ',', ['a,b', 'c']],
    ['^^:a=1:b=2', ',', ['a=1', 'b=2']],
    ['x|y|z', '|', ['x', 'y', 'z']],
  ])('%j on %j → %j', (input, delim, parts) => {
    expect(separateString(input, delim)).toEqual(parts);
  });

  it('stops at the maximum, the last part keeping the rest', () => {
    expect(separateString('a:b:c:d', ':', 3)).toEqual(['a', 'b', 'c:d']);
  });
});

describe('splitOutsideNesting', () => {
  it('does not split inside braces, brackets, quotes or ${…}', () => {
    expect(splitOutsideNesting("{a=1,b=2}x,[c=3,d=4]y,'e,f',${cond(a == b ? 1,2 : 3)},z", ',')).toEqual([
      '{a=1,b=2}x',
      '[c=3,d=4]y',
      "'e,f'",
      '${cond(a == b ? 1,2 : 3)}',
      'z',
    ]);
  });

  it('splits on a multi-character separator', () => {
    expect(splitOutsideNesting('user/1000:_:user/1001', ':_:')).toEqual(['user/1000', 'user/1001']);
  });
});

describe('switchTrue', () => {
  it.each<[string | undefined, boolean]>([
    ['true', true],
    ['TRUE', true],
    ['yes', true],
    ['on', true],
    ['t', true],
    ['enabled', true],
    ['active', true],
    ['allow', true],
    ['1', true],
    ['42', true],
    ['0', false],
    ['false', false],
    ['no', false],
    ['', false],
    ['truthy', false],
    [undefined, false],
  ])('%j → %s', (value, out) => {
    expect(switchTrue(value)).toBe(out);
  });
});
