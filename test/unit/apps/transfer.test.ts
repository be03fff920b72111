// transfer (to an extension, another context, an inline list; -bleg, -both) and
// execute_extension, on the real core with XML dialplans written inline.

import { afterEach, describe, expect, it } from 'vitest';
import { makeHarness, settle, until, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(() => h?.close());

const DIALPLAN = `<include>
  <context name="default">
    <extension name="to_two"><condition field="destination_number" expression="^1$">
      <action application="set" data="seen=\${seen}1"/>
      <action application="transfer" data="2"/>
      <action application="set" data="never=ran"/>
    </condition></extension>
    <extension name="two"><condition field="destination_number" expression="^2$">
      <action application="set" data="seen=\${seen}2"/>
      <action application="set" data="where=\${context}/\${destination_number}/\${rdnis}"/>
    </condition></extension>
    <extension name="to_other"><condition field="destination_number" expression="^3$">
      <action application="transfer" data="5 XML other"/>
    </condition></extension>
    <extension name="loop"><condition field="destination_number" expression="^loop$">
      <action application="transfer" data="loop"/>
    </condition></extension>
    <extension name="inline"><condition field="destination_number" expression="^4$">
      <action application="transfer" data="'set:via=inline,set:dp=\\\${dialplan}' inline"/>
    </condition></extension>
    <extension name="forced"><condition field="destination_number" expression="^6$">
      <action application="set" data="force_transfer_context=other"/>
      <action application="transfer" data="5"/>
    </condition></extension>
    <extension name="exec"><condition field="destination_number" expression="^7$">
      <action application="set" data="order=a"/>
      <action application="execute_extension" data="sub"/>
      <action application="set" data="order=\${order}c"/>
      <action application="set" data="after_dest=\${destination_number}"/>
    </condition></extension>
    <extension name="sub"><condition field="destination_number" expression="^sub$">
      <action application="set" data="order=\${order}b"/>
      <action application="set" data="sub_dest=\${destination_number}"/>
    </condition></extension>
    <extension name="exec_other"><condition field="destination_number" expression="^8$">
      <action application="execute_extension" data="5 XML other"/>
      <action application="set" data="back_in=\${context}"/>
    </condition></extension>
    <extension name="exec_transfer"><condition field="destination_number" expression="^9$">
      <action application="execute_extension" data="hop"/>
      <action application="set" data="never=ran"/>
    </condition></extension>
    <extension name="hop"><condition field="destination_number" expression="^hop$">
      <action application="transfer" data="2"/>
      <action application="set" data="never_either=ran"/>
    </condition></extension>
    <extension name="recurse"><condition field="destination_number" expression="^recurse$">
      <action application="push" data="depth=x"/>
      <action application="execute_extension" data="recurse"/>
    </condition></extension>
    <extension name="exec_inline"><condition field="destination_number" expression="^10$">
      <action application="execute_extension" data="'set:a=1,set:b=\\\${a}2' inline"/>
    </condition></extension>
    <extension name="bleg"><condition field="destination_number" expression="^20$">
      <action application="bridge" data="test/bob"/>
      <action application="set" data="after_bridge=ran"/>
    </condition></extension>
    <extension name="b_lands"><condition field="destination_number" expression="^30$">
      <action application="set" data="landed=\${uuid}"/>
      <action application="park"/>
    </condition></extension>
  </context>
  <context name="other">
    <extension name="five"><condition field="destination_number" expression="^5$">
      <action application="set" data="where=\${context}/\${destination_number}"/>
    </condition></extension>
  </context>
</include>`;

describe('transfer', () => {
  it('stops the list and routes again with the new destination; rdnis is the old one', async () => {
    h = await makeHarness({ dialplanXml: DIALPLAN });
    const { channel, done } = h.ep.call(h.core, { dest: '1' });
    await done;
    expect(channel.getVariable('seen')).toBe('12');
    expect(channel.getVariable('never')).toBeUndefined();
    expect(channel.getVariable('where')).toBe('default/2/1');
    expect(channel.getVariable('transfer_history')).toMatch(/bl_xfer:2\/default\/XML$/);
  });

  it('goes to another context with <ext> XML <context>', async () => {
    h = await makeHarness({ dialplanXml: DIALPLAN });
    const { channel, done } = h.ep.call(h.core, { dest: '3' });
    await done;
    expect(channel.getVariable('where')).toBe('other/5');
  });

  it('force_transfer_context replaces the default context', async () => {
    h = await makeHarness({ dialplanXml: DIALPLAN });
    const { channel, done } = h.ep.call(h.core, { dest: '6' });
    await done;
    expect(channel.getVariable('where')).toBe('other/5');
  });

  it("runs an inline list with 'app:arg,app:arg' inline", async () => {
    h = await makeHarness({ dialplanXml: DIALPLAN });
    const { channel, done } = h.ep.call(h.core, { dest: '4' });
    await done;
    expect(channel.getVariable('via')).toBe('inline');
    expect(channel.getVariable('dp')).toBe('inline');
    expect(channel.profile.destinationNumber).toBe('set:via=inline,set:dp=${dialplan}');
  });

  it('a transfer loop ends with EXCHANGE_ROUTING_ERROR once max_session_transfers is spent', async () => {
    h = await makeHarness({ dialplanXml: DIALPLAN });
    const { channel, leg, done } = h.ep.call(h.core, { dest: 'loop', variables: { max_session_transfers: '5' } });
    await done;
    expect(channel.hangupCause).toBe('EXCHANGE_ROUTING_ERROR');
    expect(leg.finalStatus).toBe(483);
    expect(channel.getVariable('session_transfers')).toBe('5');
  });

  it('-bleg moves the bridged partner to a new extension; the caller goes on after its bridge', async () => {
    h = await makeHarness({ dialplanXml: DIALPLAN });
    h.ep.script('bob', { answerMs: 1 });
    const { channel: a, done } = h.ep.call(h.core, { dest: '20' });
    await until(() => a.partner !== undefined, 'the bridge');
    const b = a.partner!;
    await h.core.execute(a, 'transfer', '-bleg 30');
    await until(() => b.getVariable('landed') === b.uuid, 'B to run extension 30');
    await done;
    expect(a.getVariable('after_bridge')).toBe('ran');
    expect(a.hangupCause).toBe('NORMAL_CLEARING');
    expect(b.hungUp).toBe(false);
    expect(b.state).toBe('CS_PARK');
    expect(b.profile.rdnis).toBe('bob');
    b.hangup();
  });

  it('-bleg from the callee transfers the caller; the callee, left without a dialplan, hangs up', async () => {
    h = await makeHarness({ dialplanXml: DIALPLAN });
    h.ep.script('bob', { answerMs: 1 });
    const { channel: a, done } = h.ep.call(h.core, { dest: '20' });
    await until(() => a.partner !== undefined, 'the bridge');
    const b = a.partner!;
    await h.core.execute(b, 'transfer', '-bleg 30');
    await until(() => a.state === 'CS_PARK', 'A parked in extension 30');
    expect(a.getVariable('landed')).toBe(a.uuid);
    expect(a.getVariable('after_bridge')).toBeUndefined();
    expect(b.hangupCause).toBe('NORMAL_CLEARING');
    a.hangup();
    await done;
  });

  it('-both moves both legs, and neither is hung up', async () => {
    h = await makeHarness({ dialplanXml: DIALPLAN });
    h.ep.script('bob', { answerMs: 1 });
    const { channel: a, done } = h.ep.call(h.core, { dest: '20' });
    await until(() => a.partner !== undefined, 'the bridge');
    const b = a.partner!;
    await h.core.execute(b, 'transfer', '-both 30');
    await until(() => a.state === 'CS_PARK' && b.state === 'CS_PARK', 'both parked');
    expect([a.hungUp, b.hungUp]).toEqual([false, false]);
    expect([a.getVariable('landed'), b.getVariable('landed')]).toEqual([a.uuid, b.uuid]);
    a.hangup();
    b.hangup();
    await done;
    await settle();
    expect(h.core.channelCount).toBe(0);
  });

  it('-bleg without a bridged leg does nothing', async () => {
    h = await makeHarness({ dialplanXml: DIALPLAN });
    const { channel, done } = h.ep.call(h.core, { dest: 'transfer:-bleg 2,set:still=here', dialplan: 'inline' });
    await done;
    expect(channel.getVariable('still')).toBe('here');
  });
});

describe('execute_extension', () => {
  it("runs the extension's actions in place, then the rest of the list", async () => {
    h = await makeHarness({ dialplanXml: DIALPLAN });
    const { channel, done } = h.ep.call(h.core, { dest: '7' });
    await done;
    expect(channel.getVariable('order')).toBe('abc');
    expect(channel.getVariable('sub_dest')).toBe('sub');
    expect(channel.getVariable('after_dest')).toBe('7');
    expect(channel.profile.destinationNumber).toBe('7');
  });

  it('hunts another context with <ext> XML <context> and comes back to its own', async () => {
    h = await makeHarness({ dialplanXml: DIALPLAN });
    const { channel, done } = h.ep.call(h.core, { dest: '8' });
    await done;
    expect(channel.getVariable('where')).toBe('other/5');
    expect(channel.getVariable('back_in')).toBe('default');
  });

  it('a transfer inside it ends both lists and routes the new destination', async () => {
    h = await makeHarness({ dialplanXml: DIALPLAN });
    const { channel, done } = h.ep.call(h.core, { dest: '9' });
    await done;
    expect(channel.getVariable('seen')).toBe('2');
    expect([channel.getVariable('never'), channel.getVariable('never_either')]).toEqual([undefined, undefined]);
    expect(channel.profile.rdnis).toBe('9');
  });

  it('runs an inline list', async () => {
    h = await makeHarness({ dialplanXml: DIALPLAN });
    const { channel, done } = h.ep.call(h.core, { dest: '10' });
    await done;
    expect(channel.getVariable('b')).toBe('12');
  });

  it('stops nesting at 16 levels and the call goes on', async () => {
    h = await makeHarness({ dialplanXml: DIALPLAN });
    const { channel, done } = h.ep.call(h.core, { dest: 'recurse' });
    await done;
    expect(channel.getVariable('depth')!.split('|:')).toHaveLength(17);
    expect(channel.hangupCause).toBe('NORMAL_CLEARING');
    expect(h.logs.some((r) => /too many stacked extensions/.test(r.msg))).toBe(true);
  });

  it('an extension that does not exist is a no-op', async () => {
    h = await makeHarness({ dialplanXml: DIALPLAN });
    const { channel, done } = h.ep.call(h.core, { dest: 'execute_extension:nowhere,set:went=on', dialplan: 'inline' });
    await done;
    expect(channel.getVariable('went')).toBe('on');
  });
});
