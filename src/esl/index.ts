// The event socket: FreeSWITCH-compatible inbound server (mod_event_socket), its framing and
// event serialisation, and a client the console uses.
export * from './errors.js';
export { fsUrlEncode, fsUrlDecode } from '../common/index.js';
export * from './frame-parser.js';
export * from './event-names.js';
export * from './event-serializer.js';
export * from './event-subscription.js';
export * from './packets.js';
export * from './access.js';
export * from './auth-throttle.js';
export { EslConnection, type EslConnectionConfig } from './connection.js';
export * from './server.js';
export * from './client.js';
