// The API command set shared by the console and the event socket: the registry, the generic
// commands, the status numbers they print, and the HEARTBEAT timer.
export * from './registry.js';
export * from './status-provider.js';
export * from './product.js';
export * from './heartbeat.js';
export * from './generic-commands.js';
export { formatStatus, statusCommand } from './commands/status.js';
export { versionCommand } from './commands/version.js';
export { uptimeCommand } from './commands/uptime.js';
export { hostnameCommand, switchnameCommand, createUuidCommand } from './commands/identity.js';
export { MapGlobalVariables, globalGetvarCommand, globalSetvarCommand, type GlobalVariableStore } from './commands/global-vars.js';
export { consoleCommand, fsctlCommand, type FsctlHandler } from './commands/loglevel.js';
export { reloadxmlCommand, type ReloadResult } from './commands/reloadxml.js';
export { evalCommand, expandGlobals } from './commands/eval.js';
export { strftimeCommand, strftime } from './commands/strftime.js';
export { helpCommand } from './commands/help.js';
export { SiptraceControl, sofiaCommand, type SofiaApiDeps } from './commands/sofia.js';
export { MIN_UPTIME_BEFORE_RESTART_SEC, gatewayStatus, type SofiaGatewayHooks } from './commands/sofia-gateways.js';
export { ShowTables, formatShowTable, type ShowFormat, type ShowSource } from './commands/show.js';
export {
  REGISTRATION_COLUMNS, formatRegBlock, registrationUrl, registrationsShowSource, registrationsText, type RegBlockOptions, type RegistrationView,
} from './commands/registrations.js';
export * from './call-commands.js';
