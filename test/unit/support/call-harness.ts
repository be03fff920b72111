// Test support: the real call core assembled as the switch assembles it (XML and inline
// dialplans, the expander with the dialplan's APIs, the applications), on a throw-away conf
// tree and data directory, with the TestEndpoint as its only endpoint (`test/<target>`).
// Directory users dial `test/<id>` unless the test's directory says otherwise.

import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallCore } from '../../../src/b2bua/index.js';
import { silentLogger } from '../../../src/common/index.js';
import { loadConfigTree, type ConfigTree } from '../../../src/config/index.js';
import { InlineDialplan, XmlDialplan, compileDialplan, dialplanApis, makeExpander, type ApiFunction } from '../../../src/dialplan/index.js';
import { registerApplications } from '../../../src/apps/index.js';
import { TestEndpoint, testCore, type TestEndpointOptions } from './test-endpoint.js';

export interface HarnessOptions {
  /** `<configuration>` elements for the configuration section. */
  configuration?: string;
  /** `<context>` elements; default: a `default` context that parks, answers or bridges. */
  dialplan?: string;
  /** `<domain>` elements; default: domain `test.local` with users 1000–1003 dialling test/<id>. */
  directory?: string;
  /** Globals (`--var` overrides). */
  vars?: Record<string, string>;
  endpoint?: TestEndpointOptions;
  /** Reuse a data directory (restart tests). */
  dataDir?: string;
}

export interface Harness {
  core: CallCore;
  endpoint: TestEndpoint;
  tree: () => ConfigTree;
  /** The conf tree's root and data directories. */
  confDir: string;
  dataDir: string;
  /** Extra `${api()}` functions for the expander. */
  apis: Map<string, ApiFunction>;
  close(opts?: { keepData?: boolean }): Promise<void>;
}

export const DEFAULT_DIALPLAN = `
<context name="default">
  <extension name="park"><condition field="destination_number" expression="^park$"><action application="park"/></condition></extension>
  <extension name="answer_sleep"><condition field="destination_number" expression="^sleep(\\d+)$"><action application="answer"/><action application="sleep" data="$1"/></condition></extension>
  <extension name="Local_Extension">
    <condition field="destination_number" expression="^(10[0-9][0-9])$">
      <action application="set" data="hangup_after_bridge=true"/>
      <action application="bridge" data="user/$1@test.local"/>
    </condition>
  </extension>
</context>`;

export const DEFAULT_DIRECTORY = `
<domain name="test.local">
  <params><param name="dial-string" value="test/\${dialed_user}"/></params>
  <groups><group name="default"><users>
    <user id="1000"><variables><variable name="accountcode" value="1000"/><variable name="user_context" value="default"/></variables></user>
    <user id="1001"><variables><variable name="accountcode" value="1001"/></variables></user>
    <user id="1002"/>
    <user id="1003"/>
  </users></group></groups>
</domain>`;

function rootDoc(opts: HarnessOptions): string {
  return [
    '<?xml version="1.0"?>',
    '<document type="freeswitch/xml">',
    '<X-PRE-PROCESS cmd="set" data="domain=test.local"/>',
    `<section name="configuration">${opts.configuration ?? ''}</section>`,
    `<section name="dialplan">${opts.dialplan ?? DEFAULT_DIALPLAN}</section>`,
    `<section name="directory">${opts.directory ?? DEFAULT_DIRECTORY}</section>`,
    '</document>',
    '',
  ].join('\n');
}

export async function callHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const root = await mkdtemp(join(tmpdir(), 'softswitch-call-'));
  const confDir = join(root, 'conf');
  await mkdir(confDir, { recursive: true });
  await writeFile(join(confDir, 'freeswitch.xml'), rootDoc(opts), 'utf8');
  const dataDir = opts.dataDir ?? join(root, 'data');
  await mkdir(dataDir, { recursive: true });
  const tree = await loadConfigTree({ confDir, dataDir, overrides: { local_ip_v4: '127.0.0.1', hostname: 'testhost', ...opts.vars } });
  const core = testCore({ globals: (name) => tree.getGlobal(name) });
  const endpoint = new TestEndpoint(opts.endpoint);
  core.registerEndpoint(endpoint);
  core.registerDialplan(new XmlDialplan(compileDialplan(tree.dialplan.contexts), silentLogger));
  core.registerDialplan(new InlineDialplan());
  const apis = new Map<string, ApiFunction>(dialplanApis);
  core.setExpander(makeExpander(() => apis, (name) => tree.getGlobal(name)));
  registerApplications(core, { config: () => tree });
  return {
    core,
    endpoint,
    tree: () => tree,
    confDir,
    dataDir,
    apis,
    async close(closeOpts = {}) {
      endpoint.close();
      await core.hangupAll('MANAGER_REQUEST');
      core.close();
      await rm(confDir, { recursive: true, force: true });
      if (!closeOpts.keepData && !opts.dataDir) await rm(root, { recursive: true, force: true });
    },
  };
}

/** Poll `check` every 5 ms until it returns true or `timeoutMs` passes (then throw). */
export async function until(check: () => boolean, timeoutMs = 3000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
