// FreeSWITCH's URL encoding of variable values in JSON CDRs (switch_url_encode, used by
// mod_json_cdr when `encode-values` is on): every byte outside 0x20–0x7E and each of
// `\r \n space " # % & + : ; < = > ? @ [ \ ] ^ ` { | }` becomes `%XX` (upper-case hex of the
// UTF-8 bytes); an existing `%XX` with upper-case hex digits is kept, so a value is never
// encoded twice. The event socket applies the same rule to event headers (esl/url-encode.ts).

const UNSAFE_CHARS = '\r\n "#%&+:;<=>?@[\\]^`{|}';
const HEX = '0123456789ABCDEF';
const UNSAFE = new Uint8Array(256);
for (let b = 0; b < 256; b++) if (b < 0x20 || b > 0x7e) UNSAFE[b] = 1;
for (const c of UNSAFE_CHARS) UNSAFE[c.charCodeAt(0)] = 1;

const isUpperHex = (b: number | undefined) => b !== undefined && ((b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46));

/** `value` with FreeSWITCH's URL encoding; plain ASCII without unsafe characters is returned as is. */
export function cdrUrlEncode(value: string): string {
  let clean = true;
  for (let i = 0; i < value.length && clean; i++) {
    const c = value.charCodeAt(i);
    if (c > 0x7e || UNSAFE[c] === 1) clean = false;
  }
  if (clean) return value;
  const bytes = Buffer.from(value, 'utf8');
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === 0x25 && isUpperHex(bytes[i + 1]) && isUpperHex(bytes[i + 2])) {
      out += String.fromCharCode(b, bytes[i + 1]!, bytes[i + 2]!);
      i += 2;
    } else if (UNSAFE[b] === 1) {
      out += `%${HEX[b >> 4]}${HEX[b & 15]}`;
    } else {
      out += String.fromCharCode(b);
    }
  }
  return out;
}
