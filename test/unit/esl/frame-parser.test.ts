import { describe, expect, it } from 'vitest';
import { EslFrameParser, EslFramingError, frameHeader, type EslFrame } from '../../../src/esl/index.js';

function parseAll(input: Buffer | string, opts: { commandLine?: boolean; maxHeaderBytes?: number; maxBodyBytes?: number } = {}): EslFrame[] {
  const p = new EslFrameParser({ commandLine: opts.commandLine ?? true, ...opts });
  const out: EslFrame[] = [];
  p.push(typeof input === 'string' ? Buffer.from(input) : input, (f) => out.push(f));
  return out;
}

/** Feed the same bytes in every possible two-way split and one byte at a time. */
function parseSplits(input: string): EslFrame[][] {
  const bytes = Buffer.from(input);
  const results: EslFrame[][] = [];
  for (let cut = 0; cut <= bytes.length; cut++) {
    const p = new EslFrameParser({ commandLine: true });
    const out: EslFrame[] = [];
    p.push(bytes.subarray(0, cut), (f) => out.push(f));
    p.push(bytes.subarray(cut), (f) => out.push(f));
    results.push(out);
  }
  const p = new EslFrameParser({ commandLine: true });
  const out: EslFrame[] = [];
  for (const b of bytes) p.push(Buffer.from([b]), (f) => out.push(f));
  results.push(out);
  return results;
}

const simplify = (frames: EslFrame[]) =>
  frames.map((f) => ({ command: f.command, headers: f.headers, body: f.body?.toString('utf8') }));

describe('EslFrameParser', () => {
  const table: Array<{ name: string; input: string; expected: ReturnType<typeof simplify> }> = [
    { name: 'a bare command ended by LF LF', input: 'api status\n\n', expected: [{ command: 'api status', headers: [], body: undefined }] },
    { name: 'a command ended by CRLF CRLF', input: 'auth ClueCon\r\n\r\n', expected: [{ command: 'auth ClueCon', headers: [], body: undefined }] },
    {
      name: 'headers with and without the space after the colon',
      input: 'bgapi status\nJob-UUID: abc\nx-y:z\n\n',
      expected: [{ command: 'bgapi status', headers: [['Job-UUID', 'abc'], ['x-y', 'z']], body: undefined }],
    },
    {
      name: 'a Content-Length body that holds blank lines',
      input: 'sendevent CUSTOM\nContent-Length: 6\n\nab\n\ncd' + 'api version\n\n',
      expected: [
        { command: 'sendevent CUSTOM', headers: [['Content-Length', '6']], body: 'ab\n\ncd' },
        { command: 'api version', headers: [], body: undefined },
      ],
    },
    {
      name: 'leading empty lines before a packet',
      input: '\n\r\n\napi status\n\n',
      expected: [{ command: 'api status', headers: [], body: undefined }],
    },
    {
      name: 'a header line without a colon is dropped',
      input: 'sendmsg\nnonsense\ncall-command: hangup\n\n',
      expected: [{ command: 'sendmsg', headers: [['call-command', 'hangup']], body: undefined }],
    },
    {
      name: 'a non-numeric Content-Length counts as zero',
      input: 'api status\nContent-Length: abc\n\napi version\n\n',
      expected: [
        { command: 'api status', headers: [['Content-Length', 'abc']], body: undefined },
        { command: 'api version', headers: [], body: undefined },
      ],
    },
    {
      name: 'two packets coalesced in one chunk',
      input: 'api status\n\nevent plain ALL\n\n',
      expected: [
        { command: 'api status', headers: [], body: undefined },
        { command: 'event plain ALL', headers: [], body: undefined },
      ],
    },
  ];

  for (const row of table) {
    it(`frames ${row.name}, however the bytes are split`, () => {
      for (const frames of parseSplits(row.input)) expect(simplify(frames)).toEqual(row.expected);
    });
  }

  it('counts the body in bytes, not characters', () => {
    const body = 'héllo €';
    const frames = parseAll(`sendevent CUSTOM\nContent-Length: ${Buffer.byteLength(body)}\n\n${body}api x\n\n`);
    expect(frames.map((f) => f.body?.toString('utf8'))).toEqual([body, undefined]);
  });

  it('waits for the rest of a body split across chunks', () => {
    const p = new EslFrameParser({ commandLine: true });
    const out: EslFrame[] = [];
    p.push(Buffer.from('sendevent CUSTOM\nContent-Length: 10\n\n01234'), (f) => out.push(f));
    expect(out).toHaveLength(0);
    expect(p.bufferedBytes).toBe(5);
    p.push(Buffer.from('56789'), (f) => out.push(f));
    expect(out[0]?.body?.toString()).toBe('0123456789');
    expect(p.bufferedBytes).toBe(0);
  });

  it('parses server packets (no command line) in header mode', () => {
    const frames = parseAll('Content-Type: api/response\nContent-Length: 3\n\n+OK', { commandLine: false });
    expect(frames).toHaveLength(1);
    expect(frames[0]?.command).toBe('');
    expect(frameHeader(frames[0] as EslFrame, 'content-type')).toBe('api/response');
    expect(frames[0]?.body?.toString()).toBe('+OK');
  });

  it('throws when the header block passes its cap without a blank line', () => {
    const p = new EslFrameParser({ commandLine: true, maxHeaderBytes: 1024 });
    const junk = Buffer.alloc(600, 0x41);
    p.push(junk, () => {});
    expect(() => p.push(junk, () => {})).toThrow(EslFramingError);
    expect(p.bufferedBytes).toBe(0);
    // It stays failed: nothing more is buffered.
    expect(() => p.push(Buffer.from('api status\n\n'), () => {})).toThrow(/header block/);
  });

  it('throws on a Content-Length above the body cap before buffering anything', () => {
    const p = new EslFrameParser({ commandLine: true, maxBodyBytes: 1000 });
    let err: unknown;
    try {
      p.push(Buffer.from('sendevent CUSTOM\nContent-Length: 1001\n\n'), () => {});
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(EslFramingError);
    expect((err as EslFramingError).code).toBe('ERR_ESL_BODY_TOO_LARGE');
  });

  it('rejects an absurd Content-Length (more digits than any cap)', () => {
    expect(() => parseAll('api x\nContent-Length: 99999999999999999999999\n\n')).toThrow(EslFramingError);
  });

  it('delivers the packets before a violation in the same chunk', () => {
    const p = new EslFrameParser({ commandLine: true, maxHeaderBytes: 64 });
    const out: EslFrame[] = [];
    expect(() => p.push(Buffer.from(`api status\n\n${'x'.repeat(100)}`), (f) => out.push(f))).toThrow(EslFramingError);
    expect(out.map((f) => f.command)).toEqual(['api status']);
  });

  it('turns binary garbage with NUL bytes into a command line, not a crash', () => {
    const frames = parseAll(Buffer.from([0x00, 0xff, 0xfe, 0x41, 0x0a, 0x0a]));
    expect(frames).toHaveLength(1);
    expect(frames[0]?.command.length).toBeGreaterThan(0);
  });

  it('keeps memory bounded when fed one byte at a time past the cap', () => {
    const p = new EslFrameParser({ commandLine: true, maxHeaderBytes: 4096 });
    let thrown = false;
    for (let i = 0; i < 5000 && !thrown; i++) {
      try {
        p.push(Buffer.from('a'), () => {});
      } catch {
        thrown = true;
      }
      expect(p.bufferedBytes).toBeLessThanOrEqual(4096);
    }
    expect(thrown).toBe(true);
  });
});
