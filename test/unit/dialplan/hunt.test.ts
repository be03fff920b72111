// Hunting: one row per dialplan construct, with the XML inline and the task list expected
// (spec §3.2–3.5, including FS's quirks).

import { describe, expect, it } from 'vitest';
import type { CallerProfileField } from '../../../src/dialplan/index.js';
import { apps, route } from './channel.js';

interface Row {
  name: string;
  xml: string;
  dest?: string;
  profile?: Partial<Record<CallerProfileField, string>>;
  vars?: Record<string, string>;
  expected: string[];
  matched?: string[];
}

const rows: Row[] = [
  {
    name: 'a plain destination match queues the actions',
    xml: `<extension name="local"><condition field="destination_number" expression="^1000$">
            <action application="bridge" data="user/1000"/></condition></extension>`,
    expected: ['bridge(user/1000)'],
    matched: ['local'],
  },
  {
    name: 'an expression without anchors matches anywhere in the value',
    xml: `<extension name="e"><condition field="destination_number" expression="100">
            <action application="a" data="x"/></condition></extension>`,
    dest: '21005',
    expected: ['a(x)'],
  },
  {
    name: 'an anchored expression does not match a longer number',
    xml: `<extension name="e"><condition field="destination_number" expression="^100$">
            <action application="a" data="x"/></condition></extension>`,
    expected: [],
    matched: [],
  },
  {
    name: 'captures fill $1…$9 and ${1} in action data',
    xml: `<extension name="e"><condition field="destination_number" expression="^(10)(\\d\\d)$">
            <action application="log" data="$1-$2 \${1}\${2}"/></condition></extension>`,
    expected: ['log(10-00 1000)'],
  },
  {
    name: 'a group that did not take part substitutes as empty (vanilla eavesdrop $1$2)',
    xml: `<extension name="eavesdrop"><condition field="destination_number" expression="^88(\\d{4})$|^\\*0(.*)$">
            <action application="eavesdrop" data="$1$2"/></condition></extension>`,
    dest: '*05',
    expected: ['eavesdrop(5)'],
  },
  {
    name: '$0 is the whole match',
    xml: `<extension name="e"><condition field="destination_number" expression="0(\\d)">
            <action application="a" data="[$0]"/></condition></extension>`,
    dest: '5050',
    expected: ['a([05])'],
  },
  {
    name: '${name} in action data is left for run-time expansion next to $1',
    xml: `<extension name="local.example.com">
            <condition field="destination_number" expression="^(\\d{7})$">
              <action application="bridge" data="sofia/gateway/\${default_gateway}/1\${default_areacode}$1"/>
            </condition></extension>`,
    dest: '5551212',
    expected: ['bridge(sofia/gateway/${default_gateway}/1${default_areacode}5551212)'],
  },
  {
    name: '⚠ $1 is not substituted when the expression has no parenthesis',
    xml: `<extension name="e"><condition field="destination_number" expression="^1000$">
            <action application="a" data="x$1"/></condition></extension>`,
    expected: ['a(x$1)'],
  },
  {
    name: 'continue="true" goes on to the next extension after a match',
    xml: `<extension name="first" continue="true"><condition field="destination_number" expression="^1000$">
            <action application="a" data="1"/></condition></extension>
          <extension name="second"><condition field="destination_number" expression="^1000$">
            <action application="b" data="2"/></condition></extension>
          <extension name="third"><condition><action application="c" data="3"/></condition></extension>`,
    expected: ['a(1)', 'b(2)'],
    matched: ['first', 'second'],
  },
  {
    name: 'without continue the first matching extension ends hunting',
    xml: `<extension name="first"><condition field="destination_number" expression="^1000$">
            <action application="a" data="1"/></condition></extension>
          <extension name="second"><condition><action application="b" data="2"/></condition></extension>`,
    expected: ['a(1)'],
  },
  {
    name: 'break on-false (the default) stops at a failed condition and the next extension is tried',
    xml: `<extension name="e"><condition field="destination_number" expression="^2000$"/>
            <condition><action application="never" data=""/></condition></extension>
          <extension name="f"><condition><action application="next" data=""/></condition></extension>`,
    expected: ['next()'],
    matched: ['f'],
  },
  {
    name: 'break="on-true" stops after a passed condition',
    xml: `<extension name="e"><condition field="destination_number" expression="^1000$" break="on-true">
            <action application="a" data=""/></condition>
            <condition><action application="never" data=""/></condition></extension>`,
    expected: ['a()'],
    matched: ['e'],
  },
  {
    name: 'break="always" stops after the condition whatever its result',
    xml: `<extension name="e"><condition field="destination_number" expression="^1000$" break="always">
            <action application="a" data=""/></condition>
            <condition field="destination_number" expression="^2000$"><action application="never" data=""/></condition></extension>`,
    expected: ['a()'],
    matched: ['e'],
  },
  {
    name: 'break="never" makes independent if blocks: a failed one does not stop the next',
    xml: `<extension name="global" continue="true">
            <condition field="\${call_debug}" expression="^true$" break="never"><action application="info" data=""/></condition>
            <condition field="\${rtp_has_crypto}" expression="^AES" break="never"><action application="set" data="rtp_secure_media=true"/></condition>
            <condition><action application="hash" data="insert/x/y"/></condition></extension>`,
    vars: { rtp_has_crypto: 'AES_CM_128_HMAC_SHA1_80' },
    expected: ['set(rtp_secure_media=true)', 'hash(insert/x/y)'],
  },
  {
    name: 'an unknown break value acts as on-false',
    xml: `<extension name="e"><condition field="destination_number" expression="^2000$" break="sometimes"/>
            <condition><action application="never" data=""/></condition></extension>`,
    expected: [],
  },
  {
    name: 'several conditions are AND-ed (toll_allow and destination, vanilla gateway route)',
    xml: `<extension name="domestic"><condition field="\${toll_allow}" expression="domestic"/>
            <condition field="destination_number" expression="^(\\d{11})$">
              <action application="bridge" data="sofia/gateway/gw/$1"/></condition></extension>`,
    dest: '15551234567',
    vars: { toll_allow: 'local,domestic' },
    expected: ['bridge(sofia/gateway/gw/15551234567)'],
  },
  {
    name: 'the AND fails when the first condition fails',
    xml: `<extension name="domestic"><condition field="\${toll_allow}" expression="domestic"/>
            <condition field="destination_number" expression="^(\\d{11})$">
              <action application="bridge" data="sofia/gateway/gw/$1"/></condition></extension>`,
    dest: '15551234567',
    vars: { toll_allow: 'local' },
    expected: [],
  },
  {
    name: 'a failed condition queues its anti-actions',
    xml: `<extension name="e"><condition field="\${open}" expression="^true$">
            <action application="transfer" data="operator"/>
            <anti-action application="playback" data="closed.wav"/></condition></extension>`,
    expected: ['playback(closed.wav)'],
  },
  {
    name: '⚠ a failed condition with an anti-action counts as matched and stops hunting',
    xml: `<extension name="e"><condition field="\${open}" expression="^true$">
            <anti-action application="playback" data="closed.wav"/></condition></extension>
          <extension name="catchall"><condition><action application="never" data=""/></condition></extension>`,
    expected: ['playback(closed.wav)'],
    matched: ['e'],
  },
  {
    name: 'without anti-actions a failed condition lets hunting continue',
    xml: `<extension name="e"><condition field="\${open}" expression="^true$">
            <action application="never" data=""/></condition></extension>
          <extension name="catchall"><condition><action application="next" data=""/></condition></extension>`,
    expected: ['next()'],
  },
  {
    name: 'anti-actions get no $N substitution',
    xml: `<extension name="e"><condition field="destination_number" expression="^(9)$">
            <anti-action application="a" data="$1"/></condition></extension>`,
    expected: ['a($1)'],
  },
  {
    name: '⚠ partial match: actions of passed conditions stay queued when a later one fails',
    xml: `<extension name="e"><condition><action application="a" data="kept"/></condition>
            <condition field="destination_number" expression="^2000$"><action application="never" data=""/></condition></extension>
          <extension name="f"><condition><action application="b" data="next"/></condition></extension>`,
    expected: ['a(kept)', 'b(next)'],
    matched: ['f'],
  },
  {
    name: 'the if/else pattern: guard, then action plus anti-action (vanilla hold_music)',
    xml: `<extension name="hold_music"><condition field="destination_number" expression="^9664$"/>
            <condition field="\${rtp_has_crypto}" expression="^(AES_CM_128_HMAC_SHA1_32|AES_CM_128_HMAC_SHA1_80)$">
              <action application="answer" data=""/><action application="playback" data="secure.wav"/>
              <anti-action application="answer" data=""/><anti-action application="playback" data="moh.wav"/>
            </condition></extension>`,
    dest: '9664',
    expected: ['answer()', 'playback(moh.wav)'],
  },
  {
    name: 'nested conditions run after the outer actions when the outer one passes',
    xml: `<extension name="e"><condition field="destination_number" expression="^1000$">
            <action application="a" data="outer1"/>
            <condition field="caller_id_number" expression="^1001$"><action application="b" data="inner"/></condition>
            <action application="c" data="outer2"/>
          </condition></extension>`,
    expected: ['a(outer1)', 'c(outer2)', 'b(inner)'],
    matched: ['e'],
  },
  {
    name: 'a failing nested condition makes the extension not match (require-nested default)',
    xml: `<extension name="e"><condition field="destination_number" expression="^1000$">
            <action application="a" data="outer"/>
            <condition field="caller_id_number" expression="^9999$"><action application="never" data=""/></condition>
          </condition></extension>
          <extension name="f"><condition><action application="b" data="next"/></condition></extension>`,
    expected: ['a(outer)', 'b(next)'],
    matched: ['f'],
  },
  {
    name: 'require-nested="false" reports success whatever the nested conditions did',
    xml: `<extension name="e"><condition field="destination_number" expression="^1000$" require-nested="false">
            <action application="a" data="outer"/>
            <condition field="caller_id_number" expression="^9999$"><action application="never" data=""/></condition>
          </condition></extension>
          <extension name="f"><condition><action application="never" data=""/></condition></extension>`,
    expected: ['a(outer)'],
    matched: ['e'],
  },
  {
    name: 'a failed nested block under break="never" goes on with the next sibling',
    xml: `<extension name="e"><condition field="destination_number" expression="^1000$" break="never">
            <condition field="caller_id_number" expression="^9999$"><action application="never" data=""/></condition>
          </condition>
          <condition><action application="b" data="sibling"/></condition></extension>`,
    expected: ['b(sibling)'],
    matched: ['e'],
  },
  {
    name: 'regex="any" passes on the first matching child and captures it into DP_REGEX_MATCH_n and $N',
    xml: `<extension name="e"><condition regex="any">
            <regex field="destination_number" expression="^5000$"/>
            <regex field="caller_id_number" expression="^(10)(\\d+)$"/>
            <action application="a" data="$2"/><anti-action application="never" data=""/></condition></extension>`,
    expected: ['a(01)'],
  },
  {
    name: 'regex="all" needs every child',
    xml: `<extension name="e"><condition regex="all">
            <regex field="destination_number" expression="^1000$"/>
            <regex field="caller_id_number" expression="^2000$"/>
            <action application="never" data=""/><anti-action application="all_failed" data=""/></condition></extension>`,
    expected: ['all_failed()'],
  },
  {
    name: 'regex="all" passes when every child matches',
    xml: `<extension name="e"><condition regex="all">
            <regex field="destination_number" expression="^1000$"/>
            <regex field="network_addr" expression="^10\\."/>
            <action application="ok" data=""/></condition></extension>`,
    expected: ['ok()'],
  },
  {
    name: 'regex="xor" fails when two children match',
    xml: `<extension name="e"><condition regex="xor">
            <regex field="destination_number" expression="^1000$"/>
            <regex field="caller_id_number" expression="^1001$"/>
            <action application="never" data=""/><anti-action application="not_exactly_one" data=""/></condition></extension>`,
    expected: ['not_exactly_one()'],
  },
  {
    name: 'regex="xor" passes when exactly one child matches',
    xml: `<extension name="e"><condition regex="xor">
            <regex field="destination_number" expression="^1000$"/>
            <regex field="caller_id_number" expression="^2000$"/>
            <action application="exactly_one" data=""/></condition></extension>`,
    expected: ['exactly_one()'],
  },
  {
    name: 'field="${var}" reads a channel variable',
    xml: `<extension name="e"><condition field="\${sip_user_agent}" expression="^Yealink">
            <action application="a" data=""/></condition></extension>`,
    vars: { sip_user_agent: 'Yealink SIP-T46S' },
    expected: ['a()'],
  },
  {
    name: '⚠ a bare field that is not a caller-profile field reads as empty',
    xml: `<extension name="e"><condition field="toll_allow" expression="^$">
            <action application="empty" data=""/></condition></extension>`,
    vars: { toll_allow: 'local' },
    expected: ['empty()'],
  },
  {
    name: 'caller-profile field names are matched case-insensitively',
    xml: `<extension name="e"><condition field="Caller_ID_Number" expression="^1001$">
            <action application="a" data=""/></condition></extension>`,
    expected: ['a()'],
  },
  {
    name: '/re/i matches caselessly',
    xml: `<extension name="operator"><condition field="destination_number" expression="/^OPERATOR$/i">
            <action application="transfer" data="1000 XML features"/></condition></extension>`,
    dest: 'operator',
    expected: ['transfer(1000 XML features)'],
  },
  {
    name: 'an Asterisk pattern _1XXX matches 1000',
    xml: `<extension name="e"><condition field="destination_number" expression="_1XXX">
            <action application="a" data=""/></condition></extension>`,
    expected: ['a()'],
  },
  {
    name: 'an Asterisk pattern is anchored (_NXX does not match 1000 or 20000)',
    xml: `<extension name="e"><condition field="destination_number" expression="_NXXX">
            <action application="a" data=""/></condition></extension>`,
    dest: '20000',
    expected: [],
  },
  {
    name: 'the expression may be an <expression> child with CDATA',
    xml: `<extension name="e"><condition field="destination_number">
            <expression><![CDATA[^(\\d{2})<>&$]]></expression>
            <action application="a" data="$1"/></condition></extension>`,
    dest: '12<>&',
    expected: ['a(12)'],
  },
  {
    name: 'action data may be element text instead of the data attribute',
    xml: `<extension name="e"><condition field="destination_number" expression="^(1000)$">
            <action application="log"><![CDATA[INFO called $1 & more]]></action></condition></extension>`,
    expected: ['log(INFO called 1000 & more)'],
  },
  {
    name: 'an expression holding ${var} is expanded at hunt time',
    xml: `<extension name="e"><condition field="destination_number" expression="^\${my_ext}$">
            <action application="a" data=""/></condition></extension>`,
    vars: { my_ext: '1000' },
    expected: ['a()'],
  },
  {
    name: 'loop="3" queues an action three times, loop="0" never',
    xml: `<extension name="e"><condition>
            <action application="a" data="x" loop="3"/><action application="b" data="y" loop="0"/></condition></extension>`,
    expected: ['a(x)', 'a(x)', 'a(x)'],
  },
  {
    name: 'an extension with no name is reported as UNKNOWN',
    xml: `<extension><condition><action application="a" data=""/></condition></extension>`,
    expected: ['a()'],
    matched: ['UNKNOWN'],
  },
];

describe('hunting', () => {
  it.each(rows)('$name', (row) => {
    const { result } = route({
      xml: row.xml,
      profile: { ...(row.dest !== undefined ? { destination_number: row.dest } : {}), ...row.profile },
      vars: row.vars,
    });
    expect(apps(result)).toEqual(row.expected);
    if (row.matched) expect(result.matchedExtensions).toEqual(row.matched);
  });
});

describe('hunting: variables, inline actions and contexts', () => {
  it('sets DP_MATCH to the captures when the expression has parentheses', () => {
    const { channel } = route({
      xml: `<extension name="e"><condition field="destination_number" expression="^(10)(\\d\\d)$">
              <action application="a" data=""/></condition></extension>`,
    });
    expect(channel.vars.get('DP_MATCH')).toBe('ARRAY::1000|:10|:00');
  });

  it('sets DP_REGEX_MATCH_<i> for each capturing <regex> child, 1-based', () => {
    const { channel } = route({
      xml: `<extension name="e"><condition regex="all">
              <regex field="destination_number" expression="^(\\d)000$"/>
              <regex field="network_addr" expression="^10"/>
              <regex field="caller_id_number" expression="^(\\d\\d)(\\d\\d)$"/>
              <action application="a" data="$1$2"/></condition></extension>`,
      vars: { DP_REGEX_MATCH_2: 'stale' },
    });
    expect(channel.vars.get('DP_REGEX_MATCH_1')).toBe('ARRAY::1000|:1');
    expect(channel.vars.has('DP_REGEX_MATCH_2')).toBe(false);
    expect(channel.vars.get('DP_REGEX_MATCH_3')).toBe('ARRAY::1001|:10|:01');
  });

  it('runs inline set during hunting so a later condition sees the variable', () => {
    const { result, channel } = route({
      xml: `<extension name="e" continue="true"><condition>
              <action application="set" data="office=\${caller_id_number}" inline="true"/></condition></extension>
            <extension name="f"><condition field="\${office}" expression="^1001$">
              <action application="seen" data="\${office}"/></condition></extension>`,
    });
    expect(apps(result)).toEqual(['seen(${office})']);
    expect(channel.executed).toEqual(['set(office=${caller_id_number})']);
    expect(result.log.map((l) => l.message)).toContain('Dialplan: sofia/internal/1001@10.0.0.1 Action set(office=${caller_id_number}) INLINE');
  });

  it('does not let a non-inline set influence later conditions of the same hunt', () => {
    const { result, channel } = route({
      xml: `<extension name="e" continue="true"><condition>
              <action application="set" data="office=1001"/></condition></extension>
            <extension name="f"><condition field="\${office}" expression="^1001$">
              <action application="seen" data=""/></condition></extension>`,
    });
    expect(apps(result)).toEqual(['set(office=1001)']);
    expect(channel.vars.has('office')).toBe(false);
  });

  it('skips an inline action of an app that is not routing-safe and logs why', () => {
    const { result, channel } = route({
      xml: `<extension name="e"><condition>
              <action application="answer" data="" inline="true"/><action application="hash" data="insert/a/b" inline="true"/>
              <action application="bridge" data="user/1000"/></condition></extension>`,
    });
    expect(apps(result)).toEqual(['bridge(user/1000)']);
    expect(channel.executed).toEqual([]);
    const errors = result.log.filter((l) => l.level === 'error').map((l) => l.message);
    expect(errors).toEqual([
      'This application cannot be executed inline: answer',
      'This application cannot be executed inline: hash',
    ]);
  });

  it('with auto_hunt=true starts at the extension named after the destination', () => {
    const xml = `<extension name="catchall"><condition><action application="first" data=""/></condition></extension>
                 <extension name="5000"><condition><action application="named" data=""/></condition></extension>`;
    expect(apps(route({ xml, profile: { destination_number: '5000' }, vars: { auto_hunt: 'true' } }).result)).toEqual(['named()']);
    expect(apps(route({ xml, profile: { destination_number: '5000' } }).result)).toEqual(['first()']);
    expect(apps(route({ xml, profile: { destination_number: '5001' }, vars: { auto_hunt: 'true' } }).result)).toEqual(['first()']);
  });

  it('falls back to the context named global when the call context does not exist', () => {
    const xml = `<include><context name="global"><extension name="g"><condition><action application="global" data=""/></condition></extension></context></include>`;
    const { result } = route({ xml, profile: { context: 'nonexistent' } });
    expect(apps(result)).toEqual(['global()']);
    expect(result.context).toBe('global');
  });

  it('finds no route when neither the context nor global exists', () => {
    const xml = `<include><context name="public"><extension name="p"><condition><action application="x" data=""/></condition></extension></context></include>`;
    const { result } = route({ xml, profile: { context: 'default' } });
    expect(result.actions).toEqual([]);
    expect(result.context).toBeUndefined();
    expect(result.log).toContainEqual({ level: 'warn', message: 'Context default not found' });
  });

  it('uses the first of several contexts with the same name', () => {
    const xml = `<include>
      <context name="default"><extension name="a"><condition><action application="first" data=""/></condition></extension></context>
      <context name="default"><extension name="b"><condition><action application="second" data=""/></condition></extension></context>
    </include>`;
    expect(apps(route({ xml }).result)).toEqual(['first()']);
  });

  it('hunts the context given in the options over the caller profile one', () => {
    const xml = `<include>
      <context name="default"><extension name="a"><condition><action application="default" data=""/></condition></extension></context>
      <context name="features"><extension name="b"><condition><action application="features" data=""/></condition></extension></context>
    </include>`;
    expect(apps(route({ xml, options: { context: 'features' } }).result)).toEqual(['features()']);
  });

  it('records which extension queued each action and the caller-extension name', () => {
    const { result } = route({
      xml: `<extension name="global" continue="true"><condition><action application="a" data=""/></condition></extension>
            <extension name="Local_Extension"><condition field="destination_number" expression="^(10[01][0-9])$">
              <action application="b" data=""/></condition></extension>`,
    });
    expect(result.actions.map((a) => a.extension)).toEqual(['global', 'Local_Extension']);
    expect(result.extensionName).toBe('global');
  });

  it('writes FS-style log lines for each step', () => {
    const { result } = route({
      xml: `<extension name="Local_Extension"><condition field="destination_number" expression="^(10[01][0-9])$">
              <action application="bridge" data="user/$1"/></condition>
              <condition><condition field="caller_id_number" expression="^1001$"/></condition></extension>`,
    });
    expect(result.log.map((l) => `${l.level} ${l.message}`)).toEqual([
      'info Processing Alice <1001>->1000 in context default',
      'debug Dialplan: sofia/internal/1001@10.0.0.1 parsing [default->Local_Extension] continue=false',
      'debug Dialplan: sofia/internal/1001@10.0.0.1 Regex (PASS) [Local_Extension] destination_number(1000) =~ /^(10[01][0-9])$/ break=on-false',
      'debug Dialplan: sofia/internal/1001@10.0.0.1 Action bridge(user/1000)',
      'debug Dialplan: sofia/internal/1001@10.0.0.1 Absolute Condition [Local_Extension]',
      'debug |--- Dialplan: Processing recursive conditions level:1 [Local_Extension_recur_1] require-nested=TRUE',
      'debug |--- Dialplan: sofia/internal/1001@10.0.0.1 Regex (PASS) [Local_Extension_recur_1] caller_id_number(1001) =~ /^1001$/ break=on-false',
    ]);
  });

  it('logs a regex that does not compile at run time and treats it as no match', () => {
    const { result } = route({
      xml: `<extension name="e"><condition field="destination_number" expression="\${bad}">
              <action application="never" data=""/><anti-action application="fallback" data=""/></condition></extension>`,
      vars: { bad: '^(10' },
    });
    expect(apps(result)).toEqual(['fallback()']);
    expect(result.log.some((l) => l.level === 'error' && l.message.startsWith('COMPILE ERROR: regex /^(10/ does not compile'))).toBe(true);
  });
});

describe('hunting the vanilla Local_Extension', () => {
  const xml = `
    <extension name="global" continue="true">
      <condition field="\${call_debug}" expression="^true$" break="never"><action application="info"/></condition>
      <condition field="\${endpoint_disposition}" expression="^(DELAYED NEGOTIATION)"/>
      <condition>
        <action application="hash" data="insert/\${domain_name}-last_dial/\${caller_id_number}/\${destination_number}"/>
        <action application="export" data="RFC2822_DATE=\${strftime(%a, %d %b %Y %T %z)}"/>
      </condition>
    </extension>
    <extension name="Local_Extension">
      <condition field="destination_number" expression="^(10[01][0-9])$">
        <action application="export" data="dialed_extension=$1"/>
        <action application="bind_meta_app" data="1 b s execute_extension::dx XML features"/>
        <action application="set" data="call_timeout=30"/>
        <action application="set" data="called_party_callgroup=\${user_data(\${dialed_extension}@\${domain_name} var callgroup)}"/>
        <action application="bridge" data="user/\${dialed_extension}@\${domain_name}"/>
        <action application="answer"/>
        <action application="sleep" data="1000"/>
        <action application="bridge" data="loopback/app=voicemail:default \${domain_name} \${dialed_extension}"/>
      </condition>
    </extension>
    <extension name="acknowledge_call"><condition field="destination_number" expression="^(.*)$">
      <action application="acknowledge_call"/></condition></extension>`;

  it('queues global bookkeeping then the Local_Extension actions, with $1 substituted', () => {
    const { result } = route({ xml, vars: { endpoint_disposition: 'DELAYED NEGOTIATION' } });
    expect(apps(result)).toEqual([
      'hash(insert/${domain_name}-last_dial/${caller_id_number}/${destination_number})',
      'export(RFC2822_DATE=${strftime(%a, %d %b %Y %T %z)})',
      'export(dialed_extension=1000)',
      'bind_meta_app(1 b s execute_extension::dx XML features)',
      'set(call_timeout=30)',
      'set(called_party_callgroup=${user_data(${dialed_extension}@${domain_name} var callgroup)})',
      'bridge(user/${dialed_extension}@${domain_name})',
      'answer()',
      'sleep(1000)',
      'bridge(loopback/app=voicemail:default ${domain_name} ${dialed_extension})',
    ]);
    expect(result.matchedExtensions).toEqual(['global', 'Local_Extension']);
  });

  it('skips the global bookkeeping when endpoint_disposition is not DELAYED NEGOTIATION', () => {
    const { result } = route({ xml, vars: { endpoint_disposition: 'ANSWER' } });
    expect(apps(result)[0]).toBe('export(dialed_extension=1000)');
  });

  it('sends an unknown destination to the catch-all', () => {
    const { result } = route({ xml, profile: { destination_number: '7777' } });
    expect(apps(result)).toEqual(['acknowledge_call()']);
  });
});
