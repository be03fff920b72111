import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  createRootLogger,
  fsLogLevelControl,
  fsToPinoLevel,
  getLogOutputLevel,
  LogTap,
  parseFsLogLevel,
  pinoToFsLevel,
  setLogOutputLevel,
  type LogTapEntry,
} from '../../../src/common/index.js';

class Sink extends Writable {
  lines: string[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.lines.push(chunk.toString());
    cb();
  }
}

/** A tap that counts how often the logger hands it a line. */
class CountingTap extends LogTap {
  fed = 0;
  override writePinoLine(line: string): void {
    this.fed++;
    super.writePinoLine(line);
  }
}

const fixedTap = () => new CountingTap({ idleCpu: () => 97.5, nowMicros: () => new Date(2024, 4, 1, 12, 0, 1).getTime() * 1000 + 123456 });

describe('log levels', () => {
  it('reads numbers and names, case-insensitively, and nothing else', () => {
    expect(['0', '7', 'debug', 'Warning', 'ERR', 'error', 'console'].map(parseFsLogLevel)).toEqual([0, 7, 7, 4, 3, 3, 0]);
    expect(['8', '-1', 'loud', ''].map(parseFsLogLevel)).toEqual([undefined, undefined, undefined, undefined]);
  });

  it('maps pino levels to FS levels and back', () => {
    expect([10, 20, 30, 40, 50, 60].map(pinoToFsLevel)).toEqual([7, 7, 6, 4, 3, 2]);
    expect(([7, 6, 5, 4, 3, 2, 1, 0] as const).map(fsToPinoLevel)).toEqual(['debug', 'info', 'warn', 'warn', 'error', 'fatal', 'silent', 'silent']);
  });
});

describe('root logger and log tap', () => {
  it('writes JSON lines at its level and never hands them to an idle tap', () => {
    const out = new Sink();
    const tap = fixedTap();
    const root = createRootLogger({ level: 'info', destination: out, tap });
    root.child({ mod: 'sip.tsx' }).info({ status: 200 }, 'final response');
    root.debug('hidden');
    expect(out.lines).toHaveLength(1);
    expect(JSON.parse(out.lines[0] as string)).toMatchObject({ mod: 'sip.tsx', status: 200, msg: 'final response' });
    expect(tap.fed).toBe(0);
  });

  it('formats records as FreeSWITCH console lines for subscribers', () => {
    const tap = fixedTap();
    const root = createRootLogger({ level: 'info', destination: new Sink(), tap });
    const got: LogTapEntry[] = [];
    const sub = tap.subscribe(6, (e) => got.push(e));
    root.child({ mod: 'sip.tsx', uuid: 'u-1' }).warn({ status: 486, reason: 'Busy Here', err: new Error('boom') }, 'call failed');
    sub.unsubscribe();
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ level: 4, channel: 0, file: 'sip.tsx', userData: 'u-1' });
    expect(got[0]?.text).toBe('2024-05-01 12:00:01.123456 97.50% [WARNING] sip.tsx call failed uuid=u-1 status=486 reason="Busy Here" err="boom"\n');
  });

  it('turns debug records on while a subscriber wants DEBUG, without printing them to stdout', () => {
    const out = new Sink();
    const tap = fixedTap();
    const root = createRootLogger({ level: 'info', destination: out, tap });
    const child = root.child({ mod: 'x' });
    const got: LogTapEntry[] = [];
    const sub = tap.subscribe(7, (e) => got.push(e));
    expect(root.level).toBe('debug');
    child.debug('detail');
    expect(got.map((e) => e.level)).toEqual([7]);
    expect(out.lines).toHaveLength(0);
    sub.unsubscribe();
    expect(root.level).toBe('info');
    child.debug('gone');
    expect(got).toHaveLength(1);
  });

  it('delivers each entry only to subscribers whose level includes it', () => {
    const tap = fixedTap();
    const root = createRootLogger({ level: 'debug', destination: new Sink(), tap });
    const errs: number[] = [];
    const all: number[] = [];
    tap.subscribe(3, (e) => errs.push(e.level));
    tap.subscribe(7, (e) => all.push(e.level));
    root.debug('d');
    root.info('i');
    root.error('e');
    expect(errs).toEqual([3]);
    expect(all).toEqual([7, 6, 3]);
  });

  it('passes raw CONSOLE entries (the SIP trace) to every subscriber as they are', () => {
    const tap = fixedTap();
    const got: LogTapEntry[] = [];
    tap.subscribe(0, (e) => got.push(e));
    tap.publishRaw(0, 'recv 10 bytes from udp/[127.0.0.1]:5060 at 12:00:01.000000:\n', { file: 'sofia' });
    expect(got).toEqual([
      { level: 0, text: 'recv 10 bytes from udp/[127.0.0.1]:5060 at 12:00:01.000000:\n', channel: 1, file: 'sofia', func: '', line: 0, userData: '' },
    ]);
  });

  it('does not loop when a subscriber logs while receiving a line', () => {
    const out = new Sink();
    const tap = fixedTap();
    const root = createRootLogger({ level: 'info', destination: out, tap });
    let calls = 0;
    tap.subscribe(7, () => {
      calls++;
      root.info('logged from inside the tap');
    });
    root.info('first');
    expect(calls).toBe(1);
    expect(out.lines).toHaveLength(2);
  });

  it('changes the stdout level at run time, children included', () => {
    const out = new Sink();
    const root = createRootLogger({ level: 'info', destination: out });
    const child = root.child({ mod: 'c' });
    setLogOutputLevel(root, 'error');
    child.warn('hidden');
    child.error('shown');
    expect(out.lines).toHaveLength(1);
    expect(getLogOutputLevel(root)).toBe('error');
    const ctl = fsLogLevelControl(root);
    expect(ctl.get()).toBe(3);
    ctl.set(7);
    child.debug('now shown');
    expect(out.lines).toHaveLength(2);
    expect(ctl.get()).toBe(7);
  });
});
