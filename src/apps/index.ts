// The dialplan applications (FreeSWITCH's dptools) registered into the core at start-up, and
// the API functions that go with them (`hash`, `user_data`, `sofia_contact` …), each a plain
// `(args) => string` the composition root registers both for `${api(…)}` expansion and as an
// event-socket/console command.
import type { CallCore } from '../b2bua/index.js';
import type { ConfigTree } from '../config/index.js';
import { basicApplications } from './basic.js';
import { bridgeApp } from './bridge.js';
import { HashStore, hashApp } from './hash.js';
import { LimitStore, limitApp } from './limit.js';
import { interceptApp } from './intercept.js';
import { logApplications } from './log.js';
import { mediaApplications } from './media.js';
import { metaAppApplications } from './meta-app.js';
import { HangupScheduler, schedHangupApp } from './sched-hangup.js';
import { transferApplications } from './transfer.js';
import { variableApplications, type GlobalVariableWriter } from './variables.js';

export interface AppsDeps {
  config: () => ConfigTree;
  /** The switch-wide hash store; one is made when not given (then read it from the result). */
  hash?: HashStore;
  /** Global variables for `set_global`; without it set_global answers -ERR. */
  globals?: GlobalVariableWriter;
}

/** What registration made, for the APIs and views that share it. */
export interface RegisteredApps {
  hash: HashStore;
  scheduler: HangupScheduler;
  /** The `limit` app's counts, for the `limit_usage` API. */
  limit: LimitStore;
}

export function registerApplications(core: CallCore, deps: AppsDeps): RegisteredApps {
  const hash = deps.hash ?? new HashStore();
  const scheduler = new HangupScheduler();
  for (const app of basicApplications) core.registerApplication(app);
  for (const app of variableApplications(deps.globals)) core.registerApplication(app);
  for (const app of logApplications) core.registerApplication(app);
  for (const app of transferApplications) core.registerApplication(app);
  for (const app of metaAppApplications) core.registerApplication(app);
  for (const app of mediaApplications) core.registerApplication(app);
  core.registerApplication(hashApp(hash));
  core.registerApplication(schedHangupApp(scheduler));
  core.registerApplication(bridgeApp(deps.config));
  core.registerApplication(interceptApp);
  const limit = new LimitStore();
  core.registerApplication(limitApp(limit));
  return { hash, scheduler, limit };
}

export { resolveDialString, type ResolveContext } from './resolve.js';
export { wait, untilAborted } from './basic.js';
export { HashStore, hashApi, type HashStoreOptions } from './hash.js';
export { HangupScheduler } from './sched-hangup.js';
export { LimitStore, LIMIT_BACKENDS, limitApp, limitUsageApi, type LimitResult } from './limit.js';
export { metaAppBindings, type MetaAppBinding } from './meta-app.js';
export { channelDataText } from './log.js';
export { type GlobalVariableWriter } from './variables.js';
export { userDataApi, domainExistsApi, groupCallApi } from './directory-apis.js';
export { sofiaContactApi, type ContactSource, type RegisteredContact, type SofiaContactDeps } from './sofia-contact.js';
export { moduleExistsApi, MODULES_WE_HAVE } from './module-exists.js';
export { DEFAULT_CALL_TIMEOUT_SEC } from './bridge.js';
