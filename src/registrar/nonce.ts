// Stateless digest nonces: each nonce carries its issue time and a tag of the realm it was
// issued for, signed with HMAC-SHA-256 under a server secret, so a forged nonce or one issued
// for another realm is recognised without a table (RFC 7616 §3.3 / §5.4 suggest exactly this
// shape). Expiry (`nonce-ttl`, FreeSWITCH default 60 s) makes a nonce `stale`. Replay
// protection: the highest nonce-count accepted per nonce is remembered in a bounded map whose
// entries die with their nonce. This module decides nothing about users or passwords.
//
//   nonce = base64url( ver(1) | issuedMs(6, BE) | realmTag(4) | random(8) | mac(16) )
//   mac   = HMAC-SHA-256(secret, ver | issuedMs | realmTag | random)[0..16)
//   realmTag = SHA-256(lower-case realm)[0..4)

import { createHash, createHmac, randomBytes, randomFillSync, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { NonceSecretError } from './errors.js';

const VERSION = 1;
const PAYLOAD_BYTES = 1 + 6 + 4 + 8;
const MAC_BYTES = 16;
const NONCE_BYTES = PAYLOAD_BYTES + MAC_BYTES;
/** base64url length of a nonce: 35 bytes → 47 characters. */
const NONCE_CHARS = Math.ceil((NONCE_BYTES * 4) / 3);
const SECRET_BYTES = 32;
/** Bound on the realm → tag cache (realms may come from requests). */
const REALM_TAG_CACHE_MAX = 1024;

export interface NonceManagerOptions {
  /** HMAC key, at least 16 bytes. Default: 32 random bytes (nonces die with the process). */
  secret?: Buffer;
  /** Lifetime of a nonce in ms (profile `nonce-ttl`; FreeSWITCH default 60 s). */
  ttlMs?: number;
  /** Most nonces whose nonce-count is remembered at once (default 65,536). */
  maxTracked?: number;
  /** Clock in ms since the epoch (injectable for tests). */
  now?: () => number;
}

export type NonceCheck =
  /** Genuine, for this realm, not expired, and `nc` (if any) is higher than any accepted before. */
  | { kind: 'ok'; issuedAtMs: number; seenBefore: boolean }
  /** Genuine and for this realm but expired (or its replay record was evicted): re-challenge with stale=true. */
  | { kind: 'stale'; issuedAtMs: number; reason: 'expired' | 'evicted' }
  /** Not ours, not for this realm, unreadable, or a nonce-count that was already used. */
  | { kind: 'invalid'; reason: 'malformed' | 'forged' | 'other-realm' | 'replayed' | 'bad-nc' };

interface UseRecord {
  /** Highest nc accepted; 0 after a no-qop use. */
  lastNc: number;
  expiresAtMs: number;
  issuedAtMs: number;
}

/**
 * Read a persisted nonce secret, or create one (32 random bytes, mode 0600) if the file does
 * not exist. Persisting it keeps nonces handed out just before a restart valid after it, so
 * phones that reuse their last nonce are not refused; several switches behind one load
 * balancer can share a secret the same way.
 */
export function loadOrCreateNonceSecret(file: string): Buffer {
  try {
    const existing = readFileSync(file);
    if (existing.length >= SECRET_BYTES) return existing.subarray(0, SECRET_BYTES);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new NonceSecretError(`cannot read nonce secret ${file}: ${(err as Error).message}`, { cause: err });
    }
  }
  const secret = randomBytes(SECRET_BYTES);
  try {
    mkdirSync(dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, secret, { mode: 0o600 });
    renameSync(tmp, file);
  } catch (err) {
    throw new NonceSecretError(`cannot write nonce secret ${file}: ${(err as Error).message}`, { cause: err });
  }
  return secret;
}

/** Parse a nonce-count: 1–8 hex digits (RFC 7616 says exactly 8; be lenient on length). */
export function parseNonceCount(nc: string): number | undefined {
  if (nc.length === 0 || nc.length > 8 || !/^[0-9a-fA-F]+$/.test(nc)) return undefined;
  return parseInt(nc, 16);
}

export class NonceManager {
  readonly ttlMs: number;
  readonly maxTracked: number;
  #secret: Buffer;
  #now: () => number;
  #uses = new Map<string, UseRecord>();
  /** Every nonce issued at or before this time may have lost its replay record to eviction. */
  #evictedIssuedUpToMs = -1;
  #realmTags = new Map<string, Buffer>();
  #pool = Buffer.alloc(1024);
  #poolPos = 1024;

  constructor(opts: NonceManagerOptions = {}) {
    const secret = opts.secret ?? randomBytes(SECRET_BYTES);
    if (secret.length < 16) throw new NonceSecretError('nonce secret must be at least 16 bytes');
    this.#secret = Buffer.from(secret);
    this.ttlMs = opts.ttlMs ?? 60_000;
    this.maxTracked = Math.max(1, opts.maxTracked ?? 65_536);
    this.#now = opts.now ?? Date.now;
  }

  /** A fresh nonce for `realm`. */
  issue(realm: string): string {
    const buf = Buffer.allocUnsafe(NONCE_BYTES);
    buf[0] = VERSION;
    buf.writeUIntBE(Math.max(0, Math.floor(this.#now())), 1, 6);
    this.#realmTag(realm).copy(buf, 7);
    this.#random8().copy(buf, 11);
    this.#mac(buf.subarray(0, PAYLOAD_BYTES)).copy(buf, PAYLOAD_BYTES, 0, MAC_BYTES);
    return buf.toString('base64url');
  }

  /**
   * Check a nonce presented with credentials for `realm`. `nc` is the nonce-count as sent, or
   * undefined for a client that does not use qop (it may reuse the nonce while it lives).
   * Nothing is recorded: call `recordUse` once the response itself has been verified.
   */
  verify(nonce: string, realm: string, nc?: string): NonceCheck {
    if (nonce.length !== NONCE_CHARS || !/^[A-Za-z0-9_-]+$/.test(nonce)) return { kind: 'invalid', reason: 'malformed' };
    const buf = Buffer.from(nonce, 'base64url');
    if (buf.length !== NONCE_BYTES || buf[0] !== VERSION) return { kind: 'invalid', reason: 'malformed' };
    const mac = this.#mac(buf.subarray(0, PAYLOAD_BYTES)).subarray(0, MAC_BYTES);
    if (!timingSafeEqual(mac, buf.subarray(PAYLOAD_BYTES))) return { kind: 'invalid', reason: 'forged' };
    if (!this.#realmTag(realm).equals(buf.subarray(7, 11))) return { kind: 'invalid', reason: 'other-realm' };
    const issuedAtMs = buf.readUIntBE(1, 6);
    const now = this.#now();
    // A nonce from the future means the clock stepped back: ours, but do not trust its age.
    if (now - issuedAtMs > this.ttlMs || issuedAtMs - now > this.ttlMs) return { kind: 'stale', issuedAtMs, reason: 'expired' };
    let count: number | undefined;
    if (nc !== undefined) {
      count = parseNonceCount(nc);
      if (count === undefined || count === 0) return { kind: 'invalid', reason: 'bad-nc' };
    }
    const record = this.#uses.get(nonce);
    if (record === undefined) {
      if (issuedAtMs <= this.#evictedIssuedUpToMs) return { kind: 'stale', issuedAtMs, reason: 'evicted' };
      return { kind: 'ok', issuedAtMs, seenBefore: false };
    }
    // RFC 7616 §3.4: the server remembers the nc values it has seen to detect replays.
    if (count !== undefined && count <= record.lastNc) return { kind: 'invalid', reason: 'replayed' };
    return { kind: 'ok', issuedAtMs, seenBefore: true };
  }

  /**
   * Remember that `nonce` was used successfully with `nc` (undefined: a no-qop use). Only
   * verified requests are recorded, so a flood of bad credentials cannot fill the map.
   */
  recordUse(nonce: string, issuedAtMs: number, nc?: string): void {
    const count = nc === undefined ? 0 : (parseNonceCount(nc) ?? 0);
    const record = this.#uses.get(nonce);
    if (record !== undefined) {
      if (count > record.lastNc) record.lastNc = count;
      return;
    }
    this.#sweep();
    if (this.#uses.size >= this.maxTracked) {
      const oldest = this.#uses.entries().next().value;
      if (oldest !== undefined) {
        this.#uses.delete(oldest[0]);
        if (oldest[1].issuedAtMs > this.#evictedIssuedUpToMs) this.#evictedIssuedUpToMs = oldest[1].issuedAtMs;
      }
    }
    this.#uses.set(nonce, { lastNc: count, expiresAtMs: issuedAtMs + this.ttlMs, issuedAtMs });
  }

  /** How many nonces have a replay record now (for tests and `status`). */
  get trackedCount(): number {
    return this.#uses.size;
  }

  /** Drop replay records of expired nonces from the head of the map (oldest first). */
  #sweep(): void {
    const now = this.#now();
    for (const [nonce, record] of this.#uses) {
      if (record.expiresAtMs >= now) break;
      this.#uses.delete(nonce);
    }
  }

  #mac(payload: Buffer): Buffer {
    return createHmac('sha256', this.#secret).update(payload).digest();
  }

  #realmTag(realm: string): Buffer {
    const key = realm.toLowerCase();
    let tag = this.#realmTags.get(key);
    if (tag === undefined) {
      // Realms can come from the request (challenge-realm auto_from): keep the cache bounded.
      if (this.#realmTags.size >= REALM_TAG_CACHE_MAX) this.#realmTags.clear();
      tag = createHash('sha256').update(key, 'utf8').digest().subarray(0, 4);
      this.#realmTags.set(key, tag);
    }
    return tag;
  }

  #random8(): Buffer {
    if (this.#poolPos + 8 > this.#pool.length) {
      randomFillSync(this.#pool);
      this.#poolPos = 0;
    }
    const out = this.#pool.subarray(this.#poolPos, this.#poolPos + 8);
    this.#poolPos += 8;
    return out;
  }
}
