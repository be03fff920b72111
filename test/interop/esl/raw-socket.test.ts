// The event socket's exact bytes, driven over a plain TCP socket on loopback.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatVersionLine } from '../../../src/api/index.js';
import type { EventHeaders } from '../../../src/common/index.js';
import { EslClient } from '../../../src/esl/index.js';
import { RawClient, splitPackets, startTestSwitch, type TestSwitch } from './harness.js';

const GOODBYE = 'Content-Type: text/disconnect-notice\nContent-Length: 67\n\nDisconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n';

describe('event socket on the wire', () => {
  let sw: TestSwitch;
  beforeAll(async () => {
    sw = await startTestSwitch({ authTimeoutMs: 5000 });
  });
  afterAll(async () => {
    await sw.close();
  });

  it('asks for auth with exactly one auth/request packet on connect', async () => {
    const c = await RawClient.open(sw.port);
    expect(await c.waitFor('\n\n')).toBe('Content-Type: auth/request\n\n');
    c.close();
  });

  it('accepts the password with a command/reply', async () => {
    const c = await RawClient.open(sw.port);
    await c.waitFor('\n\n');
    c.take();
    c.send('auth ClueCon\r\n\r\n');
    expect(await c.waitFor('\n\n')).toBe('Content-Type: command/reply\nReply-Text: +OK accepted\n\n');
    c.close();
  });

  it('answers api with an api/response whose Content-Length counts the body bytes', async () => {
    const c = await RawClient.authed(sw.port);
    c.send('api version\n\n');
    const body = `${formatVersionLine()}\n`;
    const expected = `Content-Type: api/response\nContent-Length: ${Buffer.byteLength(body)}\n\n${body}`;
    expect(await c.waitUntil((d) => d.length >= expected.length)).toBe(expected);
    c.close();
  });

  it('answers an unknown api command like FreeSWITCH', async () => {
    const c = await RawClient.authed(sw.port);
    c.send('api frobnicate now\n\n');
    const body = '-ERR frobnicate Command not found!\n';
    expect(await c.waitUntil((d) => d.endsWith(body))).toBe(`Content-Type: api/response\nContent-Length: ${body.length}\n\n${body}`);
    c.close();
  });

  it('runs ;;-separated commands in one api when console_execute is set', async () => {
    const c = await RawClient.authed(sw.port);
    c.send('api version short;;hostname\nconsole_execute: true\n\n');
    const [p] = splitPackets(await c.waitUntil((d) => splitPackets(d).length === 1));
    expect(p?.body).toMatch(/^\d+\.\d+\.\d+\ntest-host$/);
    c.close();
  });

  it('says goodbye on exit: +OK bye, the disconnect notice, then closes', async () => {
    const c = await RawClient.authed(sw.port);
    c.send('exit\n\n');
    await c.waitClosed();
    expect(c.data).toBe(`Content-Type: command/reply\nReply-Text: +OK bye\n\n${GOODBYE}`);
  });

  it('refuses a wrong password with -ERR invalid and disconnects', async () => {
    const c = await RawClient.open(sw.port);
    await c.waitFor('\n\n');
    c.take();
    c.send('auth NotClueCon\n\n');
    await c.waitClosed();
    expect(c.data).toBe(`Content-Type: command/reply\nReply-Text: -ERR invalid\n\n${GOODBYE}`);
  });

  it('refuses commands before auth with -ERR command not found and stays open', async () => {
    const c = await RawClient.open(sw.port);
    await c.waitFor('\n\n');
    c.take();
    c.send('api status\n\n');
    expect(await c.waitFor('\n\n')).toBe('Content-Type: command/reply\nReply-Text: -ERR command not found\n\n');
    c.take();
    c.send('auth ClueCon\n\n');
    expect(await c.waitFor('\n\n')).toBe('Content-Type: command/reply\nReply-Text: +OK accepted\n\n');
    c.close();
  });

  it('replies to bgapi with the Job-UUID it was given, then fires BACKGROUND_JOB with the output', async () => {
    const c = await RawClient.authed(sw.port);
    c.send('event plain BACKGROUND_JOB\n\n');
    await c.waitFor('+OK event listener enabled plain\n\n');
    c.take();
    c.send('bgapi version short\nJob-UUID: job-1234\n\n');
    const data = await c.waitUntil((d) => splitPackets(d).length >= 2);
    const [reply, ev] = splitPackets(data);
    expect(data.startsWith('Content-Type: command/reply\nReply-Text: +OK Job-UUID: job-1234\nJob-UUID: job-1234\n\n')).toBe(true);
    expect(reply?.headers['Job-UUID']).toBe('job-1234');
    expect(ev?.headers['Content-Type']).toBe('text/event-plain');
    const inner = ev?.body ?? '';
    expect(inner).toMatch(/^Event-Name: BACKGROUND_JOB\n/);
    expect(inner).toContain('\nJob-UUID: job-1234\n');
    expect(inner).toContain('\nJob-Command: version\n');
    expect(inner).toContain('\nJob-Command-Arg: short\n');
    expect(inner).toMatch(/\nContent-Length: \d+\n\n\d+\.\d+\.\d+\n$/);
    c.close();
  });

  it('answers the event commands with FreeSWITCH reply texts', async () => {
    const c = await RawClient.authed(sw.port);
    const ask = async (cmd: string) => {
      c.take();
      c.send(`${cmd}\n\n`);
      const d = await c.waitFor('\n\n');
      return /Reply-Text: (.*)\n/.exec(d)?.[1];
    };
    expect(await ask('noevents')).toBe('-ERR not listening for events');
    expect(await ask('event plain')).toBe('-ERR no keywords supplied');
    expect(await ask('event json HEARTBEAT CUSTOM sofia::register')).toBe('+OK event listener enabled json');
    expect(await ask('nixevent HEARTBEAT')).toBe('+OK events nixed');
    expect(await ask('filter Unique-ID abc')).toBe('+OK filter added. [Unique-ID]=[abc]');
    expect(await ask('filter delete Unique-ID abc')).toBe('+OK filter deleted. [Unique-ID][abc]');
    expect(await ask('noevents')).toBe('+OK no longer listening for events');
    expect(await ask('nolog')).toBe('-ERR not loging');
    expect(await ask('log debug')).toBe('+OK log level debug [7]');
    expect(await ask('log bogus')).toBe('-ERR invalid log level');
    expect(await ask('nolog')).toBe('+OK no longer logging');
    expect(await ask('linger 10')).toBe('-ERR not controlling a session');
    expect(await ask('nolinger')).toBe('-ERR not controlling a session');
    expect(await ask('sendmsg abc')).toBe('-ERR invalid session id [abc]');
    expect(await ask('myevents')).toBe('-ERR command not found');
    expect(await ask('getvar foo')).toBe('-ERR command not found');
    expect(await ask('whatever')).toBe('-ERR command not found');
    expect(await ask('myevents 1111-2222')).toBe('+OK Events Enabled');
    expect(await ask('myevents 1111-2222')).toBe('-ERR aready enabled.');
    c.close();
  });

  it('fires sendevent on the bus with the client headers and body, answering +OK <uuid>', async () => {
    const listener = await RawClient.authed(sw.port);
    listener.send('event json CUSTOM test::thing\n\n');
    await listener.waitFor('+OK event listener enabled json\n\n');
    listener.take();
    const c = await RawClient.authed(sw.port);
    c.send('sendevent CUSTOM\nEvent-Subclass: test::thing\nx-colour: blue sky\nContent-Length: 5\n\nhello');
    const reply = await c.waitFor('\n\n');
    const uuid = /Reply-Text: \+OK ([0-9a-f-]{36})\n/.exec(reply)?.[1];
    expect(uuid).toBeDefined();
    const [p] = splitPackets(await listener.waitUntil((d) => splitPackets(d).length >= 1));
    const ev = JSON.parse(p?.body ?? '{}') as Record<string, string>;
    expect(ev).toMatchObject({ 'Event-Name': 'CUSTOM', 'Event-Subclass': 'test::thing', 'x-colour': 'blue sky', 'Event-UUID': uuid, _body: 'hello', 'Content-Length': '5' });
    listener.close();
    c.close();
  });

  it('streams log/data packets in the spec shape after `log`', async () => {
    const c = await RawClient.authed(sw.port);
    c.send('log 6\n\n');
    await c.waitFor('Reply-Text: +OK log level 6 [6]\n\n');
    c.take();
    sw.logger.child({ mod: 'test.mod' }).info({ answer: 42 }, 'hello from the test');
    sw.logger.debug('not at level 6');
    sw.tap.publishRaw(0, 'send 10 bytes to udp/[127.0.0.1]:5060 at 12:00:00.000000:\n');
    const packets = splitPackets(await c.waitUntil((d) => splitPackets(d).length >= 2));
    expect(packets).toHaveLength(2);
    const [info, trace] = packets;
    expect(Object.keys(info?.headers ?? {})).toEqual(['Content-Type', 'Content-Length', 'Log-Level', 'Text-Channel', 'Log-File', 'Log-Func', 'Log-Line', 'User-Data']);
    expect(info?.headers).toMatchObject({ 'Content-Type': 'log/data', 'Log-Level': '6', 'Text-Channel': '0', 'Log-File': 'test.mod', 'Log-Line': '0' });
    expect(info?.body).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6} \d+\.\d\d% \[INFO\] test\.mod hello from the test answer=42\n$/);
    expect(trace?.headers).toMatchObject({ 'Log-Level': '0', 'Text-Channel': '1' });
    expect(trace?.body).toBe('send 10 bytes to udp/[127.0.0.1]:5060 at 12:00:00.000000:\n');
    c.close();
  });
});

describe('event socket under bad input', () => {
  let sw: TestSwitch;
  beforeAll(async () => {
    sw = await startTestSwitch({ authTimeoutMs: 300, maxPendingWriteBytes: 256 * 1024 });
  });
  afterAll(async () => {
    await sw.close();
  });

  it('closes a connection that does not authenticate in time, with the notice', async () => {
    const c = await RawClient.open(sw.port);
    const started = Date.now();
    await c.waitClosed(3000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(c.data).toBe(`Content-Type: auth/request\n\n${GOODBYE}`);
  });

  it('answers a header block without end with -ERR and closes, while other clients keep working', async () => {
    const good = await RawClient.authed(sw.port);
    const bad = await RawClient.authed(sw.port);
    bad.send(Buffer.alloc(70 * 1024, 0x41));
    await bad.waitClosed();
    expect(bad.data).toBe(`Content-Type: command/reply\nReply-Text: -ERR header block larger than 65536 bytes\n\n${GOODBYE}`);
    good.send('api version short\n\n');
    expect(await good.waitFor('Content-Type: api/response')).toContain('api/response');
    good.close();
  });

  it('refuses a huge Content-Length before buffering it', async () => {
    const c = await RawClient.authed(sw.port);
    c.send('sendevent CUSTOM\nContent-Length: 99999999999\n\n');
    await c.waitClosed();
    expect(c.data).toMatch(/^Content-Type: command\/reply\nReply-Text: -ERR Content-Length 99999999999 exceeds 16777216 bytes\n\n/);
  });

  it('allows only small bodies before auth', async () => {
    const c = await RawClient.open(sw.port);
    await c.waitFor('\n\n');
    c.send('auth x\nContent-Length: 1000000\n\n');
    await c.waitClosed();
    expect(c.data).toContain('Reply-Text: -ERR Content-Length 1000000 exceeds 65536 bytes');
  });

  it('treats binary garbage ending in a blank line as an unknown command', async () => {
    const c = await RawClient.authed(sw.port);
    c.send(Buffer.from([0x00, 0x01, 0xff, 0xfe, 0x80, 0x0a, 0x0a]));
    expect(await c.waitFor('\n\n')).toBe('Content-Type: command/reply\nReply-Text: -ERR command not found\n\n');
    c.take();
    c.send('api version short\n\n');
    expect(await c.waitFor('api/response')).toContain('api/response');
    c.close();
  });

  it('drops a subscriber that stops reading instead of buffering without bound', async () => {
    const c = await RawClient.authed(sw.port);
    c.send('event plain CUSTOM flood::test\n\n');
    await c.waitFor('+OK event listener enabled plain\n\n');
    c.socket.pause();
    const big = 'x'.repeat(64 * 1024);
    for (let i = 0; i < 600 && sw.server.connectionCount > 0; i++) {
      sw.bus.publish('CUSTOM', [['n', String(i)]], { subclass: 'flood::test', body: big });
      if (i % 20 === 0) await new Promise((r) => setImmediate(r));
    }
    const deadline = Date.now() + 3000;
    while (sw.server.connectionCount > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(sw.server.connectionCount).toBe(0);
    c.close();
  });
});

describe('event socket access control', () => {
  it('sends text/rude-rejection to a peer the ACL refuses, then closes', async () => {
    const sw = await startTestSwitch({ isAllowed: () => false });
    try {
      const c = await RawClient.open(sw.port);
      await c.waitClosed();
      expect(c.data).toBe('Content-Type: text/rude-rejection\nContent-Length: 24\n\nAccess Denied, go away.\n');
    } finally {
      await sw.close();
    }
  });

  it('makes the client fail to connect with the server\'s refusal text', async () => {
    const sw = await startTestSwitch({ isAllowed: () => false });
    try {
      await expect(EslClient.connect({ port: sw.port })).rejects.toThrow(/refused: Access Denied, go away\./);
    } finally {
      await sw.close();
    }
  });

  it('slows down repeated wrong passwords from one address', async () => {
    const sw = await startTestSwitch({ authFailureBaseDelayMs: 400, authFailureMaxDelayMs: 1000 });
    const failOnce = async () => {
      const c = await RawClient.open(sw.port);
      await c.waitFor('\n\n');
      const t0 = Date.now();
      c.send('auth wrong\n\n');
      await c.waitFor('-ERR invalid');
      const elapsed = Date.now() - t0;
      await c.waitClosed();
      return elapsed;
    };
    try {
      const first = await failOnce();
      const second = await failOnce();
      expect(first).toBeLessThan(300);
      expect(second).toBeGreaterThanOrEqual(380);
      // The right password still works, and clears the slate.
      const ok = await RawClient.authed(sw.port);
      ok.close();
      expect(await failOnce()).toBeLessThan(300);
    } finally {
      await sw.close();
    }
  });

  it('tells connected clients the system is shutting down when the server closes', async () => {
    const sw = await startTestSwitch();
    const c = await RawClient.authed(sw.port);
    await sw.close();
    await c.waitClosed();
    expect(c.data).toBe('Content-Type: text/disconnect-notice\nContent-Length: 31\n\nThe system is being shut down.\n');
  });
});

describe('event socket hooks into the core', () => {
  it('hands sendmsg to the sendMsg hook and checks myevents uuids with channelExists', async () => {
    const delivered: Array<{ uuid: string; headers: EventHeaders; body: string | undefined }> = [];
    const sw = await startTestSwitch({
      sendMsg: (uuid, headers, body) => {
        if (uuid !== 'known-uuid') return false;
        delivered.push({ uuid, headers, body });
        return true;
      },
      channelExists: async (uuid) => uuid === 'known-uuid',
    });
    try {
      const c = await RawClient.authed(sw.port);
      const ask = async (packet: string) => {
        c.take();
        c.send(packet);
        return /Reply-Text: (.*)\n/.exec(await c.waitFor('\n\n'))?.[1];
      };
      expect(await ask('sendmsg known-uuid\ncall-command: execute\nexecute-app-name: playback\nContent-Length: 4\n\nabcd')).toBe('+OK');
      expect(delivered).toEqual([
        { uuid: 'known-uuid', headers: [['call-command', 'execute'], ['execute-app-name', 'playback'], ['Content-Length', '4']], body: 'abcd' },
      ]);
      expect(await ask('sendmsg\nsession-id: other\n\n')).toBe('-ERR invalid session id [other]');
      expect(await ask('myevents nobody json\n\n')).toBe('-ERR invalid uuid');
      expect(await ask('myevents known-uuid json\n\n')).toBe('+OK Events Enabled');
      c.take();
      sw.bus.publish('CHANNEL_ANSWER', [['Unique-ID', 'someone-else']]);
      sw.bus.publish('CHANNEL_ANSWER', [['Unique-ID', 'known-uuid']]);
      const [p] = splitPackets(await c.waitUntil((d) => splitPackets(d).length >= 1));
      expect(p?.headers['Content-Type']).toBe('text/event-json');
      expect(JSON.parse(p?.body ?? '{}')['Unique-ID']).toBe('known-uuid');
      c.close();
    } finally {
      await sw.close();
    }
  });
});
