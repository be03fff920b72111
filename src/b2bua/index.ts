// The core: channels, the state machine, originate and bridge, transfer, causes, events, and
// the SIP endpoint (profiles, SIP legs). Dialplans, applications and the expander are
// registered from above (dialplan/, apps/, the composition root).
export * from './causes.js';
export * from './channel.js';
export * from './channel-events.js';
export * from './interfaces.js';
export * from './core.js';
export { UUID_BRIDGE_DIALPLAN, UuidBridgeHold, answerEachOther, joinMedia, uuidBridge } from './takeover.js';
export { SofiaProfile, type SofiaProfileOptions } from './sofia-profile.js';
export { Sofia, SofiaEndpoint, type AuthorizedCaller, type InviteAuthorizer, type SofiaEndpointOptions } from './sofia/sofia-endpoint.js';
export { InboundLeg, OutboundLeg, SipLeg } from './sofia/sip-leg.js';
export { createInviteAuthorizer, type InviteAuthOptions } from './sofia/invite-auth.js';
export * from './cdr/index.js';
export {
  Gateway, dnsResolver, realClock, TIMEOUT_STATUS, MAX_BACKOFF_FACTOR,
  type GatewayClock, type GatewayCounters, type GatewayOptions, type GatewaySip, type GatewayState, type GatewayStatus, type HostResolver,
} from './sofia/gateway.js';
export { GatewayRegistry, SHIPPED_DEFAULT_PASSWORD, type GatewayProfileRef, type GatewayRegistryOptions } from './sofia/gateway-registry.js';
export { createGatewayAuthorizer, gatewayNamedIn, type GatewayInboundOptions } from './sofia/gateway-inbound.js';
export { GatewayLeg, PREFIX_VARIABLE, buildGatewayInvite } from './sofia/gateway-call.js';
export { answerChallenge, type ChallengeAnswer, type ClientCredentials } from './sofia/gateway-auth.js';
export { parseHostPort, formatHostPort, type HostPort } from './sofia/gateway-registration.js';
export { CallMedia, MediaRefusal, MediaSourceError, type CallMediaOptions, type MediaEndpoint, type MediaMode, type Playback } from './media/call-media.js';
