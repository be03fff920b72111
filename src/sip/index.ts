// The SIP protocol layer: messages, parser and serializer, URIs, transports, transactions,
// dialogs and the stack that ties them together. It knows nothing of channels, dialplans or
// media, and could be published on its own.

export * from './errors.js';
export * from './header-names.js';
export * from './header-values.js';
export * from './message.js';
export * from './parser.js';
export * from './serializer.js';
export * from './framing.js';
export * from './response.js';
export * from './ids.js';
export * from './uri.js';
export * from './text.js';
export * from './trace.js';
export type { Transport, TransportProtocol, SendTarget, TransportReceiver } from './transport/transport.js';
export { UdpTransport } from './transport/udp.js';
export { TcpTransport } from './transport/tcp.js';
export * from './transaction/transaction.js';
export * from './transaction/client.js';
export * from './transaction/server.js';
export * from './transaction/layer.js';
export * from './dialog/dialog.js';
export * from './stack.js';
