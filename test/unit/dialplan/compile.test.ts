// Compiling the dialplan section: regex errors fail the load with file:line:col, odd but legal
// input is accepted with a warning, and the result is immutable.

import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/common/index.js';
import { compileDialplan } from '../../../src/dialplan/index.js';
import { dialplanXml } from './channel.js';
import { contextsFromXml } from './xml.js';

const compile = (body: string, file = 'dialplan/default.xml') => compileDialplan(contextsFromXml(dialplanXml(body), file));

describe('compileDialplan', () => {
  it('compiles contexts, extensions, conditions and actions in document order', () => {
    const dp = compile(`<extension name="a" continue="true"><condition field="destination_number" expression="^1$">
        <action application="x" data="1"/><anti-action application="y" data="2" inline="true" loop="2"/>
        <condition><action application="z"/></condition></condition></extension><extension name="b"/>`);
    const ctx = dp.contexts.get('default')!;
    expect(ctx.extensions.map((x) => x.name)).toEqual(['a', 'b']);
    const cond = ctx.extensions[0]!.conditions[0]!;
    expect(cond.field).toBe('destination_number');
    expect(cond.expression!.regex).toBeInstanceOf(RegExp);
    expect(cond.actions.map((a) => [a.application, a.data, a.inline, a.loop])).toEqual([['x', '1', false, 1]]);
    expect(cond.antiActions.map((a) => [a.application, a.data, a.inline, a.loop])).toEqual([['y', '2', true, 2]]);
    expect(cond.nested[0]!.actions[0]!.application).toBe('z');
    expect(dp.warnings).toEqual([]);
  });

  it('is frozen', () => {
    const dp = compile(`<extension name="a"><condition><action application="x"/></condition></extension>`);
    expect(Object.isFrozen(dp)).toBe(true);
    expect(Object.isFrozen(dp.contexts.get('default')!.extensions[0]!.conditions[0]!.actions)).toBe(true);
  });

  it('keeps an expression holding ${…} for run time', () => {
    const dp = compile(`<extension name="a"><condition field="destination_number" expression="^\${x}$"/></extension>`);
    const expr = dp.contexts.get('default')!.extensions[0]!.conditions[0]!.expression!;
    expect(expr.regex).toBeUndefined();
    expect(expr.text).toBe('^${x}$');
  });

  it('resolves \\$ in a static expression once, as run-time expansion would', () => {
    const dp = compile(`<extension name="a"><condition field="destination_number" expression="^\\$5$"/></extension>`);
    const expr = dp.contexts.get('default')!.extensions[0]!.conditions[0]!.expression!;
    expect(expr.text).toBe('^$5$');
  });

  it.each([
    [
      'in an expression attribute',
      `<include><context name="default">
  <extension name="a">
    <condition field="destination_number" expression="^(10"/>
  </extension></context></include>`,
      'dialplan/default.xml:3:5',
    ],
    [
      'in an <expression> child',
      `<include><context name="default">
  <extension name="a">
    <condition field="destination_number">
      <expression><![CDATA[^\\d++$]]></expression>
    </condition>
  </extension></context></include>`,
      'dialplan/default.xml:4:7',
    ],
    [
      'in a <regex> child',
      `<include><context name="default">
  <extension name="a">
    <condition regex="any">
      <regex field="caller_id_number" expression="[0-9"/>
    </condition>
  </extension></context></include>`,
      'dialplan/default.xml:4:7',
    ],
  ])('rejects a regex that does not compile %s with file:line:col', (_name, xml, where) => {
    let error: unknown;
    try {
      compile(xml);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message.startsWith(`${where} dialplan regex /`)).toBe(true);
    expect((error as ConfigError).message).toMatch(/does not compile: /);
    expect((error as ConfigError).file).toBe('dialplan/default.xml');
  });

  it.each([
    ['an unknown break value', `<extension name="a"><condition field="x" expression="y" break="maybe"/></extension>`, /unknown break="maybe" acts as on-false/],
    ['field and time attributes together', `<extension name="a"><condition field="destination_number" expression="^1$" wday="2-6"/></extension>`, /both field and time attributes/],
    ['an expression without a field', `<extension name="a"><condition expression="^1$"/></extension>`, /expression without field is ignored/],
    ['a bad time value', `<extension name="a"><condition wday="funday"/></extension>`, /wday="funday" is not a valid value/],
    ['a bad time-of-day', `<extension name="a"><condition time-of-day="8am-5pm"/></extension>`, /time-of-day="8am-5pm" is not a valid value/],
    ['an unknown regex mode', `<extension name="a"><condition regex="some"><regex field="x" expression="y"/></condition></extension>`, /unknown regex="some" acts as any/],
    [
      'a context defined twice',
      `<include><context name="default"/><context name="default"/></include>`,
      /context "default" is defined again; the first definition wins/,
    ],
  ])('warns about %s', (_name, xml, message) => {
    const dp = compile(xml);
    expect(dp.warnings.map((w) => w.message)).toEqual([expect.stringMatching(message)]);
    expect(dp.warnings[0]!.pos.file).toBe('dialplan/default.xml');
  });

  it('refuses conditions nested deeper than 100 levels', () => {
    const deep = '<condition>'.repeat(101) + '</condition>'.repeat(101);
    expect(() => compile(`<extension name="a">${deep}</extension>`)).toThrow(/nested deeper than 100 levels/);
  });
});
