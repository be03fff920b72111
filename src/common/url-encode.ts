// FreeSWITCH's URL encoding (switch_url_encode) of event header values on the event socket
// (event-plain, event-xml) and of variable values in JSON CDRs: every byte outside 0x20–0x7E and
// each of `\r \n space # % & + : ; < = > ? @ [ \ ] ^ ` { | } "` becomes `%XX` (upper-case hex,
// UTF-8 bytes), except an existing `%XX` (upper-case hex digits) is kept, so already-encoded
// values are not encoded twice. Spec §7.5, §9.3.

const UNSAFE_CHARS = '\r\n "#%&+:;<=>?@[\\]^`{|}';
const HEX = '0123456789ABCDEF';

/** unsafe[b] === 1 when byte b must be encoded. */
const UNSAFE = new Uint8Array(256);
for (let b = 0; b < 256; b++) if (b < 0x20 || b > 0x7e) UNSAFE[b] = 1;
for (const c of UNSAFE_CHARS) UNSAFE[c.charCodeAt(0)] = 1;

function isUpperHex(code: number | undefined): boolean {
  return code !== undefined && ((code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x46));
}

function needsEncoding(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7e || UNSAFE[c] === 1) {
      if (c === 0x25 && isUpperHex(s.charCodeAt(i + 1)) && isUpperHex(s.charCodeAt(i + 2))) {
        i += 2;
        continue;
      }
      return true;
    }
  }
  return false;
}

export function fsUrlEncode(value: string): string {
  if (!needsEncoding(value)) return value;
  const bytes = Buffer.from(value, 'utf8');
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (b === 0x25 && isUpperHex(bytes[i + 1]) && isUpperHex(bytes[i + 2])) {
      out += String.fromCharCode(b, bytes[i + 1] as number, bytes[i + 2] as number);
      i += 2;
    } else if (UNSAFE[b] === 1) {
      out += `%${HEX[b >> 4]}${HEX[b & 15]}`;
    } else {
      out += String.fromCharCode(b);
    }
  }
  return out;
}

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x41 && code <= 0x46) return code - 0x37;
  if (code >= 0x61 && code <= 0x66) return code - 0x57;
  return -1;
}

/** Decode `%XX` (either case) as UTF-8 bytes; anything else, malformed escapes included, stays. */
export function fsUrlDecode(value: string): string {
  if (value.indexOf('%') < 0) return value;
  const src = Buffer.from(value, 'utf8');
  const out = Buffer.allocUnsafe(src.length);
  let o = 0;
  for (let i = 0; i < src.length; i++) {
    const b = src[i] as number;
    if (b === 0x25 && i + 2 < src.length) {
      const hi = hexValue(src[i + 1] as number);
      const lo = hexValue(src[i + 2] as number);
      if (hi >= 0 && lo >= 0) {
        out[o++] = (hi << 4) | lo;
        i += 2;
        continue;
      }
    }
    out[o++] = b;
  }
  return out.toString('utf8', 0, o);
}
