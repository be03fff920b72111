// Test support: a small in-memory channel for hunting (variables, caller profile, real `${…}`
// expansion with the dialplan APIs) and an inline executor that implements the routing apps the
// tests use (`set`, `unset`, `export`) the way FS does. Real parts, no mocks.

import type { XmlElement } from '../../../src/config/xml-element.js';
import {
  apiCaller,
  compileDialplan,
  dialplanApis,
  expandVariables,
  hunt,
  type CallerProfile,
  type CallerProfileField,
  type DialplanChannel,
  type HuntOptions,
  type HuntResult,
} from '../../../src/dialplan/index.js';
import { contextsFromXml } from './xml.js';

/** 2024-06-05 10:30:15 UTC, a Wednesday. */
export const FIXED_NOW = Date.UTC(2024, 5, 5, 10, 30, 15);

export class TestChannel implements DialplanChannel {
  readonly name: string;
  readonly callerProfile: CallerProfile;
  readonly vars = new Map<string, string>();
  readonly executed: string[] = [];
  nowMs = FIXED_NOW;

  constructor(profile: CallerProfile, vars: Record<string, string> = {}, name = 'sofia/internal/1001@10.0.0.1') {
    this.name = name;
    this.callerProfile = profile;
    for (const [k, v] of Object.entries(vars)) this.vars.set(k, v);
  }

  getVariable(name: string): string | undefined {
    return this.vars.get(name) ?? this.callerProfile[name as CallerProfileField];
  }

  setVariable(name: string, value: string | undefined): void {
    if (value === undefined) this.vars.delete(name);
    else this.vars.set(name, value);
  }

  unsetVariablesWithPrefix(prefix: string): void {
    for (const k of [...this.vars.keys()]) if (k.startsWith(prefix)) this.vars.delete(k);
  }

  expand(text: string): string {
    return expandVariables(text, {
      getVariable: (n) => this.getVariable(n),
      callApi: apiCaller(dialplanApis, { now: () => this.nowMs, localTimezone: 'UTC' }),
    });
  }

  /** FS `set`/`export`: `name=value` expanded, empty value unsets; `unset name`. */
  readonly executeInline = (app: string, data: string): void => {
    this.executed.push(`${app}(${data})`);
    const expanded = this.expand(data);
    if (app === 'set' || app === 'export') {
      const eq = expanded.indexOf('=');
      const name = eq === -1 ? expanded : expanded.slice(0, eq);
      const value = eq === -1 ? '' : expanded.slice(eq + 1);
      this.setVariable(name, value === '' ? undefined : value);
    } else if (app === 'unset') {
      this.setVariable(expanded, undefined);
    }
  };
}

export const defaultProfile: CallerProfile = {
  caller_id_name: 'Alice',
  caller_id_number: '1001',
  destination_number: '1000',
  network_addr: '10.0.0.1',
  context: 'default',
  dialplan: 'XML',
  uuid: '8f1d3c8e-0000-4000-8000-000000000001',
};

/** Wrap extensions in a `default` context unless the XML already has contexts. */
export function dialplanXml(body: string): string {
  return body.trimStart().startsWith('<include') || body.trimStart().startsWith('<context')
    ? body
    : `<include><context name="default">${body}</context></include>`;
}

export interface RouteInput {
  xml: string;
  profile?: Partial<Record<CallerProfileField, string>>;
  vars?: Record<string, string>;
  options?: HuntOptions;
}

/** Compile `xml` and hunt it for a test channel; returns the result and the channel. */
export function route(input: RouteInput): { result: HuntResult; channel: TestChannel } {
  const dp = compileDialplan(contextsFromXml(dialplanXml(input.xml)));
  const channel = new TestChannel({ ...defaultProfile, ...input.profile }, input.vars);
  const result = hunt(dp, channel, {
    now: () => FIXED_NOW,
    localTimezone: 'UTC',
    executeInline: channel.executeInline,
    ...input.options,
  });
  return { result, channel };
}

/** `app(data)` strings, compact for expectations. */
export function apps(result: HuntResult): string[] {
  return result.actions.map((a) => `${a.app}(${a.data})`);
}

export type { XmlElement };
