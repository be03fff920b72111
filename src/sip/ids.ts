// Identifiers we generate: branch (with the RFC 3261 magic cookie), tags and Call-IDs.
// Random enough to be unique across restarts and nodes, cheap to make (one random pool).

import { randomBytes } from 'node:crypto';

export const MAGIC_COOKIE = 'z9hG4bK';

const POOL_SIZE = 4096;
let pool = randomBytes(POOL_SIZE);
let offset = 0;
const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

function randomToken(length: number): string {
  if (offset + length > POOL_SIZE) {
    pool = randomBytes(POOL_SIZE);
    offset = 0;
  }
  let s = '';
  for (let i = 0; i < length; i++) s += ALPHABET[pool[offset++]! % 62];
  return s;
}

export function newBranch(): string {
  return MAGIC_COOKIE + randomToken(16);
}

export function newTag(): string {
  return randomToken(12);
}

export function newCallId(): string {
  return randomToken(22);
}
