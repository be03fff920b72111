// Run-time variable expansion (spec §4.6) and the dialplan APIs (cond, strftime, regex,
// create_uuid).

import { describe, expect, it } from 'vitest';
import {
  apiCaller,
  condApi,
  dialplanApis,
  expandVariables,
  regexApi,
  strftimeApi,
  strftimeTzApi,
  type ExpandEnv,
} from '../../../src/dialplan/index.js';
import { FIXED_NOW } from './channel.js';

const vars: Record<string, string> = {
  dialed_extension: '1000',
  domain_name: 'example.com',
  caller_id_number: '1001',
  digits: '5551212',
  arr: 'ARRAY::a|:b|:c',
  plain: 'solo',
  a_1: 'nested-hit',
  b: '1',
  x: 'x',
  api_name: 'cond',
  empty: '',
};

const calls: string[] = [];
const env: ExpandEnv = {
  getVariable: (n) => vars[n],
  callApi: (name, args) => {
    calls.push(`${name}(${args})`);
    return apiCaller(dialplanApis, { now: () => FIXED_NOW, localTimezone: 'UTC' })(name, args);
  },
};
const expand = (text: string): string => expandVariables(text, env);

describe('variable expansion', () => {
  it.each([
    ['a plain variable', 'user/${dialed_extension}@${domain_name}', 'user/1000@example.com'],
    ['an unset variable expands to empty', '[${nope}]', '[]'],
    ['text without ${ is returned as is', 'plain $1 text \\d', 'plain $1 text \\d'],
    ['a substring from an offset (vanilla cf: 30${dialed_extension:2})', '30${dialed_extension:2}', '3000'],
    ['a substring with a length', '${digits:3:4}', '1212'],
    ['a negative offset counts from the end', '${digits:-4}', '1212'],
    ['a negative offset with a length', '${digits:-4:2}', '12'],
    ['a negative offset longer than the value keeps it whole', '${plain:-10}', 'solo'],
    ['an offset past the end gives empty', '[${plain:10}]', '[]'],
    ['an array element', '${arr[1]}', 'b'],
    ['an array element past the end is empty', '[${arr[5]}]', '[]'],
    ['element 0 of a plain variable is the value', '${plain[0]}', 'solo'],
    ['element 1 of a plain variable is empty', '[${plain[1]}]', '[]'],
    ['an array variable without an index is its raw value', '${arr}', 'ARRAY::a|:b|:c'],
    ['a nested name', '${a_${b}}', 'nested-hit'],
    ['adjacent expansions', '${b}${b}${x}', '11x'],
    ['\\$ is a literal dollar', '\\${dialed_extension} costs \\$5', '${dialed_extension} costs $5'],
    ['a lone $ stays', 'a$b ${b}$', 'a$b 1$'],
    ['$${var} (pre-processor syntax) is left alone', '$${domain} ${b}', '$${domain} 1'],
    ['\\\\ becomes one backslash when expanding', '\\\\d ${b}', '\\d 1'],
    ['an unterminated ${ reads to the end', 'x${b', 'x1'],
    ['an unknown API expands to empty', '[${no_such_api(x)}]', '[]'],
    ['an API with parentheses', '${cond(${b} == 1 ? yes : no)}', 'yes'],
    ['an API with a space', '${cond ${b} == 2 ? yes : no}', 'no'],
    ['API arguments are expanded before the call', '${regex(${digits}|^(\\d{3})|$1)}', '555'],
    ['nested APIs', '${cond(${regex(${digits}|^555)} == true ? local : far)}', 'local'],
    ['strftime with a format (vanilla recording name)', '${caller_id_number}.${strftime(%Y-%m-%d-%H-%M-%S)}.wav', '1001.2024-06-05-10-30-15.wav'],
    ['an empty variable is empty', '[${empty}]', '[]'],
  ])('%s: %s', (_name, input, output) => {
    expect(expand(input)).toBe(output);
  });

  it('gives up past 100 levels of nesting instead of overflowing', () => {
    const nest = (n: number): string => '${'.repeat(n) + 'x' + '}'.repeat(n);
    expect(expand(nest(101))).toBe('x');
    expect(expand(nest(102))).toBe('');
    expect(expand(nest(5000))).toBe('');
  });

  it('drops an escaped single quote, as FS does', () => {
    expect(expand("it\\'s ${b}")).toBe('its 1');
  });

  it('expands the API name itself', () => {
    expect(expand('${${api_name}(1 == 1 ? a : b)}')).toBe('a');
  });

  it('calls an API once per occurrence with the expanded arguments', () => {
    calls.length = 0;
    expand('${cond(${dialed_extension} > 999 ? big : small)}');
    expect(calls).toEqual(['cond(1000 > 999 ? big : small)']);
  });
});

describe('cond API', () => {
  it.each([
    ['1 == 1 ? yes : no', 'yes'],
    ['1 == 2 ? yes : no', 'no'],
    ['01 == 1 ? yes : no', 'yes'],
    ['abc == abc ? yes : no', 'yes'],
    ['abc == abd ? yes : no', 'no'],
    ['abc != abd ? yes : no', 'yes'],
    ['10 > 9 ? yes : no', 'yes'],
    ['10 >= 10 ? yes : no', 'yes'],
    ['9 < 10 ? yes : no', 'yes'],
    ['10 <= 9 ? yes : no', 'no'],
    ['2.5 > 2.25 ? yes : no', 'yes'],
    // A string compares by its length against a number.
    ['abc == 3 ? yes : no', 'yes'],
    ['abcd > 3 ? yes : no', 'yes'],
    // The empty string is a number (0).
    [' == 0 ? empty : set', 'empty'],
    ["1 == 1 ? '10:00' : no", '10:00'],
    ['1 == 2 ? yes', ''],
    ['1 == 1 ? yes', 'yes'],
    ['1 == 1', '-ERR'],
    ['1 = 1 ? yes : no', '-ERR'],
    ['1 ! 1 ? yes : no', '-ERR'],
  ])('cond(%s) → %s', (args, out) => {
    expect(condApi(args)).toBe(out);
  });
});

describe('strftime API', () => {
  const ctx = { now: () => FIXED_NOW, localTimezone: 'UTC' };
  it.each([
    ['', '2024-06-05 10:30:15'],
    ['%Y-%m-%d %H:%M:%S', '2024-06-05 10:30:15'],
    ['%a, %d %b %Y %T %z', 'Wed, 05 Jun 2024 10:30:15 +0000'],
    ['%A %B %e %j %u %w %y %I%p %s', 'Wednesday June  5 157 3 3 24 10AM 1717583415'],
    ['%F %R %D %%', '2024-06-05 10:30 06/05/24 %'],
    ['%U %W %V %G', '22 23 23 2024'],
    ['0|%Y-%m-%d %H:%M:%S', '1970-01-01 00:00:00'],
    ['86400|', '1970-01-02 00:00:00'],
  ])('strftime(%s) → %s', (args, out) => {
    expect(strftimeApi(args, ctx)).toBe(out);
  });

  it('uses the server local zone (here Europe/Paris, CEST)', () => {
    expect(strftimeApi('%H:%M %z %Z', { now: () => FIXED_NOW, localTimezone: 'Europe/Paris' })).toBe('12:30 +0200 CEST');
  });

  it('strftime_tz formats in the named zone', () => {
    expect(strftimeTzApi('America/New_York %Y-%m-%d %T %z', ctx)).toBe('2024-06-05 06:30:15 -0400');
    expect(strftimeTzApi('Asia/Kolkata 0|%H:%M', ctx)).toBe('05:30');
    expect(strftimeTzApi('Nowhere/Land %T', ctx)).toBe('-ERR Invalid timezone');
  });
});

describe('regex API', () => {
  it.each([
    ['5551212|^(\\d{3})(\\d{4})$|$1-$2', '555-1212'],
    ['5551212|^(\\d{3})(\\d{4})$|%2', '1212'],
    ['abc|^(\\d+)$|$1', 'abc'],
    ['5551212|^555', 'true'],
    ['5551212|^666', 'false'],
    ['Hello|/^hello$/i', 'true'],
    ['m:~a|b~^(a)\\|b$~[$1]', '[a]'],
    ['only-one-arg', '-ERR'],
    ['x|^(broken', 'false'],
  ])('regex(%s) → %s', (args, out) => {
    expect(regexApi(args)).toBe(out);
  });
});

describe('create_uuid API', () => {
  it('returns a fresh RFC 4122 UUID each call', () => {
    const a = expand('${create_uuid()}');
    const b = expand('${create_uuid()}');
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a).not.toBe(b);
  });

  it('${uuid} is the channel variable, not an API', () => {
    const withUuid: ExpandEnv = { getVariable: (n) => (n === 'uuid' ? 'chan-uuid' : undefined), callApi: () => 'api!' };
    expect(expandVariables('${uuid}', withUuid)).toBe('chan-uuid');
  });
});
