// The dialplan applications (FreeSWITCH's dptools), registered into the core at start-up.
import type { CallCore } from '../b2bua/index.js';
import type { ConfigTree } from '../config/index.js';
import { basicApplications } from './basic.js';
import { bridgeApp } from './bridge.js';

export interface AppsDeps {
  config: () => ConfigTree;
}

export function registerApplications(core: CallCore, deps: AppsDeps): void {
  for (const app of basicApplications) core.registerApplication(app);
  core.registerApplication(bridgeApp(deps.config));
}

export { resolveDialString, type ResolveContext } from './resolve.js';
export { wait } from './basic.js';
