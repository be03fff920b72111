// Event serialisation for the event socket, exactly as spec §7.5 describes FreeSWITCH's:
//
//   plain  Name: <url-encoded value>\n … then \n, or with a body: Content-Length: M\n\n<body>
//          (an empty value is written `_undef_`)
//   json   {"Name":"value",…,"Content-Length":"M","_body":"…"}  unformatted, not url-encoded,
//          a header that occurs several times becomes an array
//   xml    <event>\n  <headers>\n    <Name>url-encoded</Name>\n  </headers>\n
//          [  <Content-Length>M</Content-Length>\n  <body>xml-escaped</body>\n]</event>\n
//
// A Content-Length header carried by the event itself is never written (the serializer writes
// its own when there is a body), so a sendevent with `Content-Length: 0` cannot break framing.
// Packets are cached per event object: fan-out to many subscribers serialises once per format.

import type { SwitchEvent } from '../common/index.js';
import { fsUrlEncode } from '../common/index.js';

export type EventFormat = 'plain' | 'json' | 'xml';

type EventLike = Pick<SwitchEvent, 'headers' | 'body'>;

function isContentLength(name: string): boolean {
  return name.length === 14 && name.toLowerCase() === 'content-length';
}

export function serializeEventPlain(event: EventLike): string {
  let out = '';
  for (const [name, value] of event.headers) {
    if (isContentLength(name)) continue;
    const enc = fsUrlEncode(value);
    out += `${name}: ${enc === '' ? '_undef_' : enc}\n`;
  }
  if (event.body !== undefined && event.body !== '') {
    out += `Content-Length: ${Buffer.byteLength(event.body, 'utf8')}\n\n${event.body}`;
  } else {
    out += '\n';
  }
  return out;
}

export function serializeEventJson(event: EventLike): string {
  const order: string[] = [];
  const values = new Map<string, string | string[]>();
  for (const [name, value] of event.headers) {
    if (isContentLength(name)) continue;
    const prev = values.get(name);
    if (prev === undefined) {
      order.push(name);
      values.set(name, value);
    } else if (Array.isArray(prev)) {
      prev.push(value);
    } else {
      values.set(name, [prev, value]);
    }
  }
  // Built by hand: JSON.stringify of an object would move integer-like keys to the front.
  const parts: string[] = [];
  for (const name of order) parts.push(`${JSON.stringify(name)}:${JSON.stringify(values.get(name))}`);
  if (event.body !== undefined) {
    parts.push(`"Content-Length":${JSON.stringify(String(Buffer.byteLength(event.body, 'utf8')))}`);
    parts.push(`"_body":${JSON.stringify(event.body)}`);
  }
  return `{${parts.join(',')}}`;
}

/** Text content as FS's XML writer escapes it: & < > and CR. */
function xmlText(s: string): string {
  return s.replace(/[&<>\r]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&#xD;'));
}

export function serializeEventXml(event: EventLike): string {
  let out = '<event>\n  <headers>\n';
  for (const [name, value] of event.headers) {
    if (isContentLength(name)) continue;
    out += `    <${name}>${xmlText(fsUrlEncode(value))}</${name}>\n`;
  }
  out += '  </headers>\n';
  if (event.body !== undefined && event.body !== '') {
    out += `  <Content-Length>${Buffer.byteLength(event.body, 'utf8')}</Content-Length>\n`;
    out += `  <body>${xmlText(event.body)}</body>\n`;
  }
  out += '</event>\n';
  return out;
}

export function serializeEvent(event: EventLike, format: EventFormat): string {
  switch (format) {
    case 'json':
      return serializeEventJson(event);
    case 'xml':
      return serializeEventXml(event);
    default:
      return serializeEventPlain(event);
  }
}

/** `Content-Length: N\nContent-Type: text/event-<fmt>\n\n<serialised event>` (Content-Length first). */
export function formatEventPacket(event: EventLike, format: EventFormat): string {
  const data = serializeEvent(event, format);
  return `Content-Length: ${Buffer.byteLength(data, 'utf8')}\nContent-Type: text/event-${format}\n\n${data}`;
}

const cache = new WeakMap<object, Partial<Record<EventFormat, string>>>();

/** formatEventPacket, computed once per event object and format. */
export function eventPacketCached(event: SwitchEvent, format: EventFormat): string {
  let entry = cache.get(event);
  if (!entry) {
    entry = {};
    cache.set(event, entry);
  }
  let packet = entry[format];
  if (packet === undefined) {
    packet = formatEventPacket(event, format);
    entry[format] = packet;
  }
  return packet;
}
