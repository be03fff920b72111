// The registrar's binding logic, RFC 3261 §10.3 steps 5–8, on plain inputs (no SIP message
// classes): given an AOR's current bindings and a REGISTER's Contacts, Expires, Call-ID and
// CSeq, decide the answer (200 with the bindings, 423, 400, 403, 500) and the changes to make.
// FreeSWITCH's `multiple-registrations` modes (spec §5.1) are applied on top. Authentication,
// the AOR's domain check and NAT detection happen before; publishing events after.

import { bindingKey, unquoteParam } from './contact-key.js';
import type { AorChange, Awaitable, Binding, LocationStore, SipTransport, StoredBinding } from './location-store.js';
import { makeAor } from './location-store.js';

/** `multiple-registrations`: off = one binding per AOR; contact = one per Contact; call-id = one per Call-ID. */
export type MultipleRegistrations = 'off' | 'contact' | 'call-id';

/** The profile param's value: `true`/`contact` → contact, `call-id` → call-id, else off (FreeSWITCH default). */
export function parseMultipleRegistrations(value: string | undefined): MultipleRegistrations {
  switch (value?.trim().toLowerCase()) {
    case 'true':
    case 'contact':
      return 'contact';
    case 'call-id':
      return 'call-id';
    default:
      return 'off';
  }
}

export interface RegistrarPolicy {
  /** Shorter non-zero requests are refused with 423 (RFC 3261 §10.3 step 7). Default 60; 0 disables. */
  minExpiresSec?: number;
  /** Longer requests are shortened to this. Default 3600. */
  maxExpiresSec?: number;
  /** When neither the Contact nor the Expires header says. Default 3600. */
  defaultExpiresSec?: number;
  /** Default 'off', FreeSWITCH's default when the param is absent. */
  multipleRegistrations?: MultipleRegistrations;
  /** Most live bindings per AOR after the request; more → 403 (FreeSWITCH's answer to max-registrations-per-extension). Default 20. */
  maxContactsPerAor?: number;
  /** RFC 3261 out-of-order check (same Call-ID, CSeq not higher → 500). Default true. */
  cseqCheck?: boolean;
}

/** One Contact of the REGISTER, as parsed by the SIP layer. */
export interface ContactInput {
  /** The URI inside `<>`, or `*` for the wildcard. */
  uri: string;
  /** The whole Contact value for this contact as sent (kept for `sofia status`). Default `<uri>`. */
  raw?: string | undefined;
  displayName?: string | undefined;
  /** Contact header params with lower-case names (`expires`, `q`, `+sip.instance`, `reg-id`…); undefined value for a flag. */
  params?: Readonly<Record<string, string | undefined>>;
}

export interface RegisterSource {
  ip: string;
  port: number;
  transport: SipTransport;
  connectionId?: string | undefined;
}

export interface RegisterInput {
  /** AOR user and domain (To header, after force-register-domain). */
  user: string;
  domain: string;
  profile?: string | undefined;
  /** Contacts in order; empty for a query; a single `*` for the wildcard. */
  contacts: readonly ContactInput[];
  /** The Expires header value as sent, if any. */
  expiresHeader?: string | undefined;
  callId: string;
  cseq: number;
  source: RegisterSource;
  userAgent?: string | undefined;
  path?: string[] | undefined;
  authUser?: string | undefined;
  authRealm?: string | undefined;
  /** NAT verdict for this REGISTER (detectNat). */
  natted?: boolean | undefined;
  nowSec: number;
}

/** A binding in a 200 OK, with the seconds it has left. */
export interface CurrentBinding extends StoredBinding {
  expiresSec: number;
}

export type RegisterOutcome =
  | {
      status: 200;
      /** Every live binding of the AOR after the request (the 200's Contacts). */
      bindings: CurrentBinding[];
      /** New bindings (`sofia::register`). */
      added: CurrentBinding[];
      /** Existing bindings written again (`sofia::register` with `update-reg: true`). */
      refreshed: CurrentBinding[];
      /** Removed bindings (`sofia::unregister`). */
      removed: StoredBinding[];
      upsert: StoredBinding[];
      removeKeys: string[];
    }
  | { status: 423; minExpiresSec: number }
  | { status: 400 | 403 | 500; reason: string };

/** Upper bound on expires values (RFC 3261 §20.19: up to 2**32-1 seconds). */
export const MAX_DELTA_SECONDS = 4294967295;
/** Contacts examined in one REGISTER, whatever the cap says (bounds the work per request). */
const HARD_MAX_CONTACTS = 256;

/**
 * Parse delta-seconds (`3600`, also `"3600"`). Undefined when it is not a number or lies beyond
 * 2**32-1: RFC 3261 §20.19 allows 0 to (2**32)-1, and a REGISTER asking for more is malformed
 * (answered 400 with nothing stored) rather than silently clamped.
 */
export function parseDeltaSeconds(raw: string): number | undefined {
  const v = unquoteParam(raw) ?? '';
  if (!/^\d+$/.test(v)) return undefined;
  if (v.replace(/^0+/, '').length > 10) return undefined;
  const n = Number(v);
  return n <= MAX_DELTA_SECONDS ? n : undefined;
}

function parseQ(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const v = raw.trim();
  if (!/^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(v)) return undefined;
  return Number(v);
}

function parseRegId(raw: string | undefined): number | undefined {
  if (raw === undefined || !/^\d{1,10}$/.test(raw.trim())) return undefined;
  const n = Number(raw.trim());
  return n >= 1 && n <= 2147483647 ? n : undefined;
}

interface Requested {
  binding: Binding;
  key: string;
  expiresSec: number;
}

function withRemaining(b: StoredBinding, nowSec: number): CurrentBinding {
  return { ...b, expiresSec: Math.max(0, b.expiresAt - nowSec) };
}

/** Decide the answer to a REGISTER and the changes to apply, from the AOR's current bindings. */
export function computeRegistration(current: readonly StoredBinding[], input: RegisterInput, policy: RegistrarPolicy = {}): RegisterOutcome {
  const now = Math.floor(input.nowSec);
  const minExpires = policy.minExpiresSec ?? 60;
  const maxExpires = Math.max(1, policy.maxExpiresSec ?? 3600);
  const defaultExpires = policy.defaultExpiresSec ?? 3600;
  const mode = policy.multipleRegistrations ?? 'off';
  const maxContacts = Math.max(1, policy.maxContactsPerAor ?? 20);
  const cseqCheck = policy.cseqCheck ?? true;
  const aor = makeAor(input.user, input.domain);
  const live = current.filter((b) => b.expiresAt > now);

  let headerExpires: number | undefined;
  if (input.expiresHeader !== undefined) {
    headerExpires = parseDeltaSeconds(input.expiresHeader);
    if (headerExpires === undefined) return { status: 400, reason: 'Invalid Expires header' };
  }

  // A REGISTER without Contact is a query: answer with the current bindings (§10.3 step 8).
  if (input.contacts.length === 0) {
    return { status: 200, bindings: live.map((b) => withRemaining(b, now)), added: [], refreshed: [], removed: [], upsert: [], removeKeys: [] };
  }

  const outOfOrder = (b: StoredBinding) => cseqCheck && b.callId === input.callId && input.cseq <= b.cseq;

  if (input.contacts.some((c) => c.uri.trim() === '*')) {
    // §10.3 step 6: "*" is only valid alone and with Expires: 0.
    if (input.contacts.length > 1) return { status: 400, reason: 'Wildcard Contact must be the only Contact' };
    if (headerExpires !== 0) return { status: 400, reason: 'Wildcard Contact requires Expires: 0' };
    // "If it does agree, it MUST remove the binding only if the CSeq in the request is higher
    // than the value stored for that binding. Otherwise, the update MUST be aborted."
    if (current.some(outOfOrder)) return { status: 500, reason: 'Out of order REGISTER' };
    return { status: 200, bindings: [], added: [], refreshed: [], removed: [...current], upsert: [], removeKeys: current.map((b) => b.key) };
  }

  if (input.contacts.length > maxContacts) return { status: 403, reason: 'Too many contacts' };
  if (input.contacts.length > HARD_MAX_CONTACTS) return { status: 403, reason: 'Too many contacts' };

  const requested = new Map<string, Requested>();
  for (const c of input.contacts) {
    const params = c.params ?? {};
    let expiresSec: number;
    if (params.expires !== undefined) {
      const e = parseDeltaSeconds(params.expires);
      if (e === undefined) return { status: 400, reason: 'Invalid Contact expires' };
      expiresSec = e;
    } else {
      expiresSec = headerExpires ?? defaultExpires;
    }
    // §10.3 step 7: "If and only if the requested expiration interval is greater than zero AND
    // smaller than one hour AND less than a registrar-configured minimum" → 423.
    if (expiresSec > 0 && expiresSec < 3600 && expiresSec < minExpires) return { status: 423, minExpiresSec: minExpires };
    if (expiresSec > maxExpires) expiresSec = maxExpires;
    const instanceId = unquoteParam(params['+sip.instance']) || undefined;
    const regId = instanceId !== undefined ? parseRegId(params['reg-id']) : undefined;
    const uri = c.uri.trim();
    const binding: Binding = {
      aor,
      user: input.user,
      domain: input.domain.toLowerCase(),
      profile: input.profile,
      contactUri: uri,
      contactRaw: c.raw ?? `<${uri}>`,
      displayName: c.displayName ?? '',
      expiresAt: now + expiresSec,
      registeredAt: now,
      callId: input.callId,
      cseq: input.cseq,
      instanceId,
      regId,
      userAgent: input.userAgent ?? '',
      q: parseQ(params.q),
      path: input.path,
      transport: input.source.transport,
      sourceIp: input.source.ip,
      sourcePort: input.source.port,
      connectionId: input.source.connectionId,
      natted: input.natted ?? false,
      authUser: input.authUser ?? input.user,
      authRealm: input.authRealm ?? input.domain,
      pingStatus: 'Reachable',
      pingFailures: 0,
    };
    const key = bindingKey(binding);
    // The same binding twice in one request: the last one wins.
    requested.delete(key);
    requested.set(key, { binding, key, expiresSec });
  }

  const upsertKeys = new Set<string>();
  const removeKeys = new Set<string>();
  const currentKeys = new Set(current.map((b) => b.key));
  for (const r of requested.values()) {
    if (r.expiresSec > 0) upsertKeys.add(r.key);
    else if (currentKeys.has(r.key)) removeKeys.add(r.key);
  }
  if (mode === 'off') {
    // FreeSWITCH: one binding per AOR; a new registration replaces all, an unregister clears all.
    for (const b of current) if (!upsertKeys.has(b.key)) removeKeys.add(b.key);
  } else if (mode === 'call-id') {
    // One binding per Call-ID: this Call-ID's bindings become exactly the requested ones.
    for (const b of current) if (b.callId === input.callId && !upsertKeys.has(b.key)) removeKeys.add(b.key);
  }

  // §10.3 step 7: for an existing binding with the same Call-ID, "If the value is higher than
  // that of the existing binding, it MUST update or remove the binding as above. If not, the
  // update MUST be aborted and the request fails."
  for (const b of current) {
    if ((upsertKeys.has(b.key) || removeKeys.has(b.key)) && outOfOrder(b)) return { status: 500, reason: 'Out of order REGISTER' };
  }

  const kept = live.filter((b) => !upsertKeys.has(b.key) && !removeKeys.has(b.key));
  if (kept.length + upsertKeys.size > maxContacts) return { status: 403, reason: 'Too many registrations' };

  const upsert: StoredBinding[] = [];
  const added: CurrentBinding[] = [];
  const refreshed: CurrentBinding[] = [];
  for (const r of requested.values()) {
    if (!upsertKeys.has(r.key)) continue;
    const stored: StoredBinding = { ...r.binding, key: r.key };
    upsert.push(stored);
    (currentKeys.has(r.key) ? refreshed : added).push(withRemaining(stored, now));
  }
  const removed = current.filter((b) => removeKeys.has(b.key));
  return {
    status: 200,
    bindings: [...kept.map((b) => withRemaining(b, now)), ...refreshed, ...added],
    added,
    refreshed,
    removed,
    upsert,
    removeKeys: [...removeKeys],
  };
}

/** Compute and apply a REGISTER atomically against a store. */
export function applyRegistration(store: LocationStore, input: RegisterInput, policy: RegistrarPolicy = {}): Awaitable<RegisterOutcome> {
  const aor = makeAor(input.user, input.domain);
  return store.update(aor, (current): AorChange<RegisterOutcome> => {
    const outcome = computeRegistration(current, input, policy);
    return outcome.status === 200
      ? { result: outcome, upsert: outcome.upsert, removeKeys: outcome.removeKeys }
      : { result: outcome, upsert: [], removeKeys: [] };
  });
}

/**
 * A Contact value for the 200 OK: `<uri>;expires=N`, echoing `q`, `+sip.instance` and
 * `reg-id` so the phone recognises its own binding (RFC 3261 §10.3 step 8, RFC 5626 §6).
 */
export function responseContact(b: CurrentBinding): string {
  let out = `<${b.contactUri}>;expires=${b.expiresSec}`;
  if (b.q !== undefined) out += `;q=${b.q}`;
  if (b.instanceId !== undefined) out += `;+sip.instance="${b.instanceId}"`;
  if (b.regId !== undefined) out += `;reg-id=${b.regId}`;
  return out;
}
