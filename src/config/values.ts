// Parsers for the scalar values found in FreeSWITCH config: booleans in FreeSWITCH's many
// spellings, integers, ports, IP addresses and CIDR blocks. Each returns `undefined` for a
// malformed value; the caller turns that into a ConfigError at the value's position.

import { isIP } from 'node:net';

// FreeSWITCH's switch_true()/switch_false() word lists; a number counts as true unless 0.
const TRUE_WORDS = new Set(['yes', 'on', 'true', 't', 'enabled', 'active', 'allow']);
const FALSE_WORDS = new Set(['no', 'off', 'false', 'f', 'disabled', 'inactive', 'disallow']);

export function parseBool(value: string): boolean | undefined {
  const v = value.trim().toLowerCase();
  if (TRUE_WORDS.has(v)) return true;
  if (FALSE_WORDS.has(v)) return false;
  if (/^-?\d+$/.test(v)) return Number(v) !== 0;
  return undefined;
}

/** A decimal integer (optionally signed), nothing else: "12abc", "1.5" and "" are rejected. */
export function parseInteger(value: string): number | undefined {
  const v = value.trim();
  if (!/^[-+]?\d{1,15}$/.test(v)) return undefined;
  return Number(v);
}

/** A UDP/TCP port; 0 means "any free port" (tests use it). */
export function parsePort(value: string): number | undefined {
  const n = parseInteger(value);
  return n !== undefined && n >= 0 && n <= 65535 ? n : undefined;
}

export function isIpAddress(value: string): boolean {
  return isIP(value) !== 0;
}

/**
 * `a.b.c.d/n`, `x::y/n`, or a bare address (meaning a single host). Returns the address family
 * and prefix length, or undefined.
 */
export function parseCidr(value: string): { address: string; bits: number; family: 4 | 6 } | undefined {
  const v = value.trim();
  const slash = v.indexOf('/');
  const address = slash < 0 ? v : v.slice(0, slash);
  const family = isIP(address);
  if (family === 0) return undefined;
  const max = family === 4 ? 32 : 128;
  if (slash < 0) return { address, bits: max, family: family as 4 | 6 };
  const bits = parseInteger(v.slice(slash + 1));
  if (bits === undefined || bits < 0 || bits > max || v.slice(slash + 1).trim().startsWith('+')) return undefined;
  return { address, bits, family: family as 4 | 6 };
}

/** A comma-separated list of CIDR blocks (FreeSWITCH accepts several in one attribute). */
export function parseCidrList(value: string): string[] | undefined {
  const parts = value.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (parts.length === 0) return undefined;
  for (const p of parts) if (!parseCidr(p)) return undefined;
  return parts;
}
