// The registrar's public surface: digest authentication (challenge/verify, nonces, brute-force
// bans), the auth policy of a profile, the location store (interface + SQLite), the RFC 3261
// §10.3 binding logic, NAT detection, and the registrar's event header lists. Protocol
// independent; sip-registrar.ts wires them to a SipStack: the registrar of a profile, with the
// lookup the call layer uses to reach a registered user.

export * from './errors.js';
export * from './digest.js';
export * from './nonce.js';
export * from './ban.js';
export * from './auth.js';
export * from './auth-policy.js';
export * from './contact-key.js';
export * from './location-store.js';
export * from './sqlite-location-store.js';
export * from './registrar.js';
export * from './nat.js';
export * from './events.js';
export * from './registrar-settings.js';
export { RegistrationKeepalive, type KeepaliveOptions } from './keepalive.js';
export { SipRegistrar, type ReachableContact, type SipRegistrarOptions } from './sip-registrar.js';
