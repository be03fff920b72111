// The core: channels, the state machine, originate and bridge, transfer, causes, events, and
// the SIP endpoint (profiles, SIP legs). Dialplans, applications and the expander are
// registered from above (dialplan/, apps/, the composition root).
export * from './causes.js';
export * from './channel.js';
export * from './channel-events.js';
export * from './interfaces.js';
export * from './core.js';
export { SofiaProfile, type SofiaProfileOptions } from './sofia-profile.js';
export { Sofia, SofiaEndpoint, type AuthorizedCaller, type InviteAuthorizer, type SofiaEndpointOptions } from './sofia/sofia-endpoint.js';
export { InboundLeg, OutboundLeg, SipLeg } from './sofia/sip-leg.js';
export { createInviteAuthorizer, type InviteAuthOptions } from './sofia/invite-auth.js';
export * from './cdr/index.js';
