// Public surface of the configuration subsystem: load the conf/ tree (pre-processor, XML,
// typed views), hold it, reload it atomically. Other folders import only from here.

export type { SourcePosition, XmlElement } from './xml-element.js';
export { ConfigStore, type ConfigStoreEvents, type ReloadResult } from './config-store.js';
export { loadConfigTree, parseVarOverrides, type ConfigLoadOptions } from './loader.js';
export { ConfigTree, type ConfigWarning, type DialplanContexts } from './config-tree.js';
export { NameValueSet, type NameValueEntry } from './name-value-set.js';
export { LOG_LEVELS, type FsLogLevel, type SwitchConf } from './switch-conf.js';
export type { EventSocketConf } from './event-socket-conf.js';
export { BUILT_IN_ACL_LISTS, type AclAction, type AclConf, type AclDomainUser, type AclList, type AclNode } from './acl-conf.js';
export { PROFILE_PARAMS, SipProfileConf, type ProfileDomain, type SofiaConf } from './sofia-conf.js';
export type { GatewayConf, SipTransportName } from './gateway-conf.js';
export { Directory, type DirectoryDomain, type DirectoryGroup, type DirectoryUser, type MergedUser } from './directory.js';
export { BUILT_IN_CDR_CSV_TEMPLATE, type CdrCsvConf } from './cdr-csv-conf.js';
export { parseBool, parseCidr, parseCidrList, parseInteger, parsePort } from './values.js';
export { attr, childrenNamed, firstChild, formatPos } from './xml-util.js';
export { AclEvaluator, type AclResult } from './acl.js';
