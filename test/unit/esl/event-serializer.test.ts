import { describe, expect, it } from 'vitest';
import type { SwitchEvent } from '../../../src/common/index.js';
import {
  eventPacketCached,
  formatEventPacket,
  fsUrlDecode,
  fsUrlEncode,
  parseJsonEvent,
  parsePlainEvent,
  serializeEventJson,
  serializeEventPlain,
  serializeEventXml,
} from '../../../src/esl/index.js';

describe('fsUrlEncode', () => {
  const rows: Array<[string, string]> = [
    ['plain-ascii_value.1', 'plain-ascii_value.1'],
    ['2024-05-01 12:00:01', '2024-05-01%2012%3A00%3A01'],
    ['Wed, 01 May 2024 10:00:05 GMT', 'Wed,%2001%20May%202024%2010%3A00%3A05%20GMT'],
    ['sofia::register', 'sofia%3A%3Aregister'],
    ['::1', '%3A%3A1'],
    ['sofia/internal/1000@192.168.1.10', 'sofia/internal/1000%40192.168.1.10'],
    ['Extension 1000', 'Extension%201000'],
    ['a+b&c=d?e#f;g<h>i[j]k\\l^m`n{o|p}q"r', 'a%2Bb%26c%3Dd%3Fe%23f%3Bg%3Ch%3Ei%5Bj%5Dk%5Cl%5Em%60n%7Bo%7Cp%7Dq%22r'],
    ['line1\r\nline2\t', 'line1%0D%0Aline2%09'],
    ['é€', '%C3%A9%E2%82%AC'],
    ["keeps / , ! ' ( ) * $ ~ _ - .", "keeps%20/%20,%20!%20'%20(%20)%20*%20$%20~%20_%20-%20."],
    ['already%20encoded', 'already%20encoded'],
    ['lower %2f hex is encoded', 'lower%20%252f%20hex%20is%20encoded'],
    ['100% sure', '100%25%20sure'],
    ['trailing %4', 'trailing%20%254'],
    ['\x7f', '%7F'],
  ];
  for (const [input, expected] of rows) {
    it(`encodes ${JSON.stringify(input)} as ${expected}`, () => {
      expect(fsUrlEncode(input)).toBe(expected);
    });
  }

  it('decodes what it encodes back to the original text', () => {
    for (const [input] of rows) {
      if (/%[0-9A-F]{2}/.test(input)) continue; // kept escapes decode, by design
      expect(fsUrlDecode(fsUrlEncode(input))).toBe(input);
    }
  });

  it('leaves malformed escapes alone when decoding', () => {
    expect(fsUrlDecode('100%')).toBe('100%');
    expect(fsUrlDecode('%zz%4')).toBe('%zz%4');
  });
});

function event(headers: Array<[string, string]>, body?: string): SwitchEvent {
  return { name: headers[0]?.[1] ?? 'CUSTOM', subclass: undefined, headers, body, sequence: 1 };
}

describe('event serialisation', () => {
  const heartbeat = event([
    ['Event-Name', 'HEARTBEAT'],
    ['Event-Date-Local', '2024-05-01 12:00:01'],
    ['Empty-Header', ''],
    ['Event-Info', 'System Ready'],
  ]);

  it('writes plain headers url-encoded, _undef_ for empty values, and ends with a blank line', () => {
    expect(serializeEventPlain(heartbeat)).toBe(
      'Event-Name: HEARTBEAT\nEvent-Date-Local: 2024-05-01%2012%3A00%3A01\nEmpty-Header: _undef_\nEvent-Info: System%20Ready\n\n',
    );
  });

  it('writes a plain body after its Content-Length in bytes', () => {
    const ev = event([['Event-Name', 'BACKGROUND_JOB'], ['Job-UUID', 'j1']], '+OK é\n');
    expect(serializeEventPlain(ev)).toBe('Event-Name: BACKGROUND_JOB\nJob-UUID: j1\nContent-Length: 7\n\n+OK é\n');
  });

  it('drops a Content-Length header the event carries itself', () => {
    const ev = event([['Event-Name', 'CUSTOM'], ['Content-Length', '0'], ['a', 'b']]);
    expect(serializeEventPlain(ev)).toBe('Event-Name: CUSTOM\na: b\n\n');
  });

  it('writes unformatted json with raw values, Content-Length as a string and _body last', () => {
    const ev = event([['Event-Name', 'BACKGROUND_JOB'], ['Job-Command', 'status'], ['Path', 'a "b" /c']], 'x\ny');
    expect(serializeEventJson(ev)).toBe(
      '{"Event-Name":"BACKGROUND_JOB","Job-Command":"status","Path":"a \\"b\\" /c","Content-Length":"3","_body":"x\\ny"}',
    );
  });

  it('writes a repeated header as a json array and keeps header order even for numeric names', () => {
    const ev = event([['Event-Name', 'CUSTOM'], ['2', 'two'], ['X', 'a'], ['X', 'b']]);
    expect(serializeEventJson(ev)).toBe('{"Event-Name":"CUSTOM","2":"two","X":["a","b"]}');
  });

  it('writes xml with two-space indentation, url-encoded values and an escaped body', () => {
    const ev = event([['Event-Name', 'CUSTOM'], ['Event-Subclass', 'sofia::register'], ['Empty', '']], 'a<b & c>\r\n');
    expect(serializeEventXml(ev)).toBe(
      '<event>\n' +
        '  <headers>\n' +
        '    <Event-Name>CUSTOM</Event-Name>\n' +
        '    <Event-Subclass>sofia%3A%3Aregister</Event-Subclass>\n' +
        '    <Empty></Empty>\n' +
        '  </headers>\n' +
        '  <Content-Length>10</Content-Length>\n' +
        '  <body>a&lt;b &amp; c&gt;&#xD;\n</body>\n' +
        '</event>\n',
    );
  });

  it('frames an event packet with Content-Length first, then Content-Type', () => {
    const data = serializeEventPlain(heartbeat);
    expect(formatEventPacket(heartbeat, 'plain')).toBe(
      `Content-Length: ${Buffer.byteLength(data)}\nContent-Type: text/event-plain\n\n${data}`,
    );
  });

  it('serialises an event once per format however many subscribers ask', () => {
    const ev = event([['Event-Name', 'HEARTBEAT']]);
    const a = eventPacketCached(ev, 'json');
    const b = eventPacketCached(ev, 'json');
    expect(b).toBe(a);
    expect(eventPacketCached(ev, 'plain')).not.toBe(a);
  });

  it('round-trips through the client parsers for plain and json', () => {
    const ev = event([['Event-Name', 'CUSTOM'], ['Caller-Caller-ID-Name', 'Extension 1000'], ['Odd', '50% & more: yes']], 'body\n\ntext');
    const plain = parsePlainEvent(serializeEventPlain(ev));
    expect(plain.headers).toEqual(ev.headers);
    expect(plain.body).toBe('body\n\ntext');
    const json = parseJsonEvent(serializeEventJson(ev));
    expect(json.headers).toEqual(ev.headers);
    expect(json.body).toBe('body\n\ntext');
  });
});
