// Write a message as bytes: start line, header lines as they are held (names as written, so a
// message we parsed comes back as it was), Content-Length always equal to the body's byte
// length (added when missing: mandatory on streams, harmless on datagrams), the empty line,
// the body.

import type { SipMessage } from './message.js';

export function serialize(msg: SipMessage): Buffer {
  const bodyLen = msg.body.length;
  let head = msg.kind === 'request' ? `${msg.method} ${msg.uri} SIP/2.0\r\n` : `SIP/2.0 ${msg.status} ${msg.reason}\r\n`;
  let sawLength = false;
  const hs = msg.headers;
  for (let i = 0; i < hs.length; i++) {
    const h = hs[i]!;
    if (h.name === 'content-length') {
      sawLength = true;
      head += `${h.written}: ${bodyLen}\r\n`;
    } else head += `${h.written}: ${h.value}\r\n`;
  }
  if (!sawLength) head += `Content-Length: ${bodyLen}\r\n`;
  head += '\r\n';
  if (bodyLen === 0) return Buffer.from(head, 'utf8');
  const headLen = Buffer.byteLength(head, 'utf8');
  const out = Buffer.allocUnsafe(headLen + bodyLen);
  out.write(head, 0, 'utf8');
  msg.body.copy(out, headLen);
  return out;
}
