// The registrar's public surface: digest authentication (challenge/verify, nonces, brute-force
// bans), the auth policy of a profile, the location store (interface + SQLite), the RFC 3261
// §10.3 binding logic, NAT detection, and the registrar's event header lists. Protocol
// independent: the SIP endpoint in b2bua/ parses requests and feeds these plain inputs.

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
