// The core: channels, bridge, originate, causes, events, CDR, and the SIP endpoint (profiles,
// gateways, SIP dialog ⇄ channel). Grows with issue 5; today it holds the SIP profiles and the
// hangup cause table.
export * from './causes.js';
export { SofiaProfile, type SofiaProfileOptions } from './sofia-profile.js';
