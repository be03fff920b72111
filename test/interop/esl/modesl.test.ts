// The real modesl client (the npm ESL library FreeSWITCH users run) against our event socket.

import esl, { type Connection, type Event as EslEvent } from 'modesl';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestSwitch, type TestSwitch } from './harness.js';

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
    }),
  ]);
}

function connectModesl(port: number, password = 'ClueCon'): Promise<Connection> {
  return withTimeout(
    new Promise<Connection>((resolve, reject) => {
      const conn = new esl.Connection('127.0.0.1', port, password);
      conn.once('esl::ready', () => resolve(conn));
      conn.once('esl::event::auth::fail', () => reject(new Error('auth failed')));
      conn.once('error', reject);
    }),
    5000,
    'modesl ready',
  );
}

function once<T extends unknown[]>(conn: Connection, event: string, ms = 5000): Promise<T> {
  return withTimeout(new Promise<T>((resolve) => conn.once(event, (...args: unknown[]) => resolve(args as T))), ms, event);
}

describe('modesl against the event socket', () => {
  let sw: TestSwitch;
  const open: Connection[] = [];
  const connect = async (password?: string) => {
    const c = await connectModesl(sw.port, password);
    open.push(c);
    return c;
  };

  beforeAll(async () => {
    sw = await startTestSwitch({ heartbeatMs: 150 });
  });
  afterEach(() => {
    for (const c of open.splice(0)) c.socket?.destroy();
  });
  afterAll(async () => {
    await sw.close();
  });

  it('authenticates and runs api status', async () => {
    const conn = await connect();
    const res = await withTimeout(new Promise<EslEvent>((resolve) => conn.api('status', resolve)), 5000, 'api status');
    expect(res.getHeader('Content-Type')).toBe('api/response');
    expect(res.getBody()).toMatch(
      /^UP \d+ years, \d+ days, \d+ hours?, \d+ minutes?, \d+ seconds?, \d+ milliseconds?, \d+ microseconds?\nsoftswitch \(Version \d+\.\d+\.\d+ (32|64)bit\) is ready\n0 session\(s\) since startup\n0 session\(s\) - peak 0, last 5min 0 \n0 session\(s\) per Sec out of max 30, peak 0, last 5min 0 \n1000 session\(s\) max\nmin idle cpu 0\.00\/\d+\.\d\d\n$/,
    );
  });

  it('is refused with the wrong password', async () => {
    const conn = new esl.Connection('127.0.0.1', sw.port, 'wrong');
    open.push(conn);
    const [evt] = await once<[EslEvent]>(conn, 'esl::event::auth::fail');
    expect(evt.getHeader('Reply-Text')).toBe('-ERR invalid');
  });

  it('gets the BACKGROUND_JOB of a bgapi status with the Job-UUID of the reply', async () => {
    const conn = await connect();
    const replies: EslEvent[] = [];
    conn.on('esl::event::command::reply', (e: EslEvent) => replies.push(e));
    const job = await withTimeout(new Promise<EslEvent>((resolve) => conn.bgapi('status', resolve)), 5000, 'BACKGROUND_JOB');
    // modesl's own `event json …` after auth is answered too; the bgapi reply is the one with a Job-UUID.
    const reply = replies.find((r) => r.getHeader('Job-UUID')) as EslEvent;
    expect(reply).toBeDefined();
    const jobUuid = reply.getHeader('Job-UUID');
    expect(reply.getHeader('Reply-Text')).toBe(`+OK Job-UUID: ${jobUuid}`);
    expect(job.getHeader('Event-Name')).toBe('BACKGROUND_JOB');
    expect(job.getHeader('Job-UUID')).toBe(jobUuid);
    expect(job.getHeader('Job-Command')).toBe('status');
    expect(job.getBody()).toMatch(/^UP .*\nsoftswitch \(Version .*\) is ready\n/);
  });

  it('receives HEARTBEAT and, after api reloadxml, RELOADXML as plain events', async () => {
    const conn = await connect();
    const enabled = await withTimeout(
      new Promise<EslEvent>((resolve) => conn.events('plain', 'HEARTBEAT RELOADXML', resolve)),
      5000,
      'event plain',
    );
    expect(enabled.getHeader('Reply-Text')).toBe('+OK event listener enabled plain');
    const [hb] = await once<[EslEvent]>(conn, 'esl::event::HEARTBEAT::*');
    expect(hb.getHeader('Event-Info')).toBe('System Ready');
    expect(hb.getHeader('Core-UUID')).toBe(sw.bus.identity.coreUuid);
    expect(hb.getHeader('Event-Date-Local')).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    expect(hb.getHeader('Up-Time')).toMatch(/^\d+ years, /);
    const reloadP = once<[EslEvent]>(conn, 'esl::event::RELOADXML::*');
    const res = await withTimeout(new Promise<EslEvent>((resolve) => conn.api('reloadxml', resolve)), 5000, 'reloadxml');
    expect(res.getBody()).toBe('+OK [Success]\n');
    const [reload] = await reloadP;
    expect(reload.getHeader('Event-Name')).toBe('RELOADXML');
  });

  it('receives every event as json with event json ALL, including a sendevent from another client', async () => {
    const listener = await connect();
    await withTimeout(new Promise<EslEvent>((resolve) => listener.events('json', 'ALL', resolve)), 5000, 'event json ALL');
    const sender = await connect();
    const custom = new esl.Event('CUSTOM', 'test::ping');
    custom.addHeader('x-answer', '42 is it');
    const gotP = once<[EslEvent]>(listener, 'esl::event::CUSTOM::*');
    const sent = await withTimeout(new Promise<EslEvent>((resolve) => sender.sendEvent(custom, resolve)), 5000, 'sendevent');
    expect(sent.getHeader('Reply-Text')).toMatch(/^\+OK [0-9a-f-]{36}$/);
    const [got] = await gotP;
    expect(got.getHeader('Event-Subclass')).toBe('test::ping');
    expect(got.getHeader('x-answer')).toBe('42 is it');
    const [hb] = await once<[EslEvent]>(listener, 'esl::event::HEARTBEAT::*');
    expect(hb.getHeader('Session-Count')).toBe('0');
  });

  it('delivers only the events a filter lets through', async () => {
    const conn = await connect();
    await withTimeout(new Promise<EslEvent>((resolve) => conn.events('plain', 'ALL', resolve)), 5000, 'event plain ALL');
    const filtered = await withTimeout(
      new Promise<EslEvent>((resolve) => conn.filter('Event-Name', 'RELOADXML', resolve)),
      5000,
      'filter',
    );
    expect(filtered.getHeader('Reply-Text')).toBe('+OK filter added. [Event-Name]=[RELOADXML]');
    const names: string[] = [];
    conn.on('esl::event::**', (e: EslEvent) => {
      const n = e.getHeader('Event-Name');
      if (n) names.push(n);
    });
    // At least two heartbeat periods pass, then a reload: only RELOADXML may arrive.
    await new Promise((r) => setTimeout(r, 400));
    const reloadP = once<[EslEvent]>(conn, 'esl::event::RELOADXML::*');
    await withTimeout(new Promise<EslEvent>((resolve) => conn.api('reloadxml', resolve)), 5000, 'reloadxml');
    await reloadP;
    expect(names.filter((n) => n !== 'RELOADXML')).toEqual([]);
    expect(names).toContain('RELOADXML');
  });
});
