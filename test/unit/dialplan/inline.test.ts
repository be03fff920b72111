// Inline dialplans (`transfer '<list>' inline`, spec §3.5).

import { describe, expect, it } from 'vitest';
import { parseInlineDialplan } from '../../../src/dialplan/index.js';

describe('parseInlineDialplan', () => {
  it.each<[string, string[]]>([
    ['answer,intercept:8f1d3c8e-0000-4000-8000-000000000001', ['answer()', 'intercept(8f1d3c8e-0000-4000-8000-000000000001)']],
    ['m:^:set:a=1^bridge:user/1000', ['set(a=1)', 'bridge(user/1000)']],
    ['m:|:set:a=1,b=2|bridge:user/1000,user/1001', ['set(a=1,b=2)', 'bridge(user/1000,user/1001)']],
    ["set:foo='a,b',hangup", ['set(foo=a,b)', 'hangup()']],
    ['bridge:{a=1,b=2}user/1000,hangup:USER_BUSY', ['bridge({a=1,b=2}user/1000)', 'hangup(USER_BUSY)']],
    ['playback:${cond(${x} == 1 ? a.wav : b.wav)}, hangup', ['playback(${cond(${x} == 1 ? a.wav : b.wav)})', 'hangup()']],
    ['transfer:1000 XML default', ['transfer(1000 XML default)']],
    ['set:sip_h_X-Tag=a:b:c', ['set(sip_h_X-Tag=a:b:c)']],
    ['', []],
    [',,answer,', ['answer()']],
  ])('%j', (list, expected) => {
    const actions = parseInlineDialplan(list);
    expect(actions.map((a) => `${a.app}(${a.data})`)).toEqual(expected);
    for (const a of actions) expect(a.extension).toBe('inline');
  });

  it('keeps at most 128 items, the last one holding the rest', () => {
    const list = Array.from({ length: 200 }, (_, i) => `log:${i}`).join(',');
    const actions = parseInlineDialplan(list);
    expect(actions).toHaveLength(128);
    expect(actions[127]!.data.startsWith('127,log:128')).toBe(true);
  });
});
