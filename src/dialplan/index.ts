// The dialplan layer's public surface: compile the XML dialplan, hunt it for a channel, expand
// `${…}` at run time (with the dialplan's own APIs), and parse dial strings, inline dialplans
// and app arguments. It imports config/ types and b2bua/causes only (spec §3, §4.1, §4.3, §4.6).

export {
  compileDialplan,
  type BreakMode,
  type CompiledAction,
  type CompiledCondition,
  type CompiledContext,
  type CompiledDialplan,
  type CompiledExpression,
  type CompiledExtension,
  type CompiledRegexItem,
  type DialplanWarning,
  type RegexMode,
} from './compile.js';
export {
  hunt,
  CALLER_PROFILE_FIELDS,
  INLINE_APPLICATIONS,
  type CallerProfile,
  type CallerProfileField,
  type DialplanAction,
  type DialplanChannel,
  type DialplanLogLevel,
  type DialplanLogLine,
  type HuntOptions,
  type HuntResult,
} from './hunt.js';
export {
  expandVariables,
  formatArrayVariable,
  needsExpansion,
  parseArrayVariable,
  MAX_EXPANSION_DEPTH,
  type ExpandEnv,
} from './expand.js';
export {
  apiCaller,
  condApi,
  createUuidApi,
  dialplanApis,
  regexApi,
  strftimeApi,
  strftimeTzApi,
  type ApiContext,
  type ApiFunction,
  type ApiRegistry,
} from './apis.js';
export {
  parseDialString,
  parseEndpoint,
  parseVariables,
  variablesToRecord,
  DialStringError,
  MAX_DIAL_LEGS,
  type DialGroup,
  type DialLeg,
  type DialOriginate,
  type DialString,
  type DialVariable,
  type Endpoint,
} from './dial-string.js';
export { parseInlineDialplan, INLINE_EXTENSION_NAME, MAX_INLINE_ACTIONS } from './inline.js';
export {
  separateString,
  splitArgs,
  splitOutsideNesting,
  cleanupSeparated,
  switchTrue,
  isFsNumber,
  atoi,
  MAX_SEPARATED_PARTS,
} from './app-args.js';
export { compilePattern, asteriskToRegex, substituteCaptures, matchCaptures, PatternError } from './pcre.js';
export { breakDownTime, strftime, type BrokenDownTime, type ZoneSpec } from './clock.js';
export { XmlDialplan, InlineDialplan, makeExpander, callerProfileOf } from './xml-dialplan.js';
