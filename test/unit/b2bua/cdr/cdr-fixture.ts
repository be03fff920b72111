// Test support for the CDR tests: the call harness with a CdrWriter attached, cdr_csv and
// json_cdr configuration snippets, and calls played through the real core (1000 dials 1001,
// the test endpoint plays 1001's phone).

import type { Channel } from '../../../../src/b2bua/index.js';
import { CdrWriter } from '../../../../src/b2bua/cdr/index.js';
import { silentLogger } from '../../../../src/common/index.js';
import { callHarness, until, type Harness, type HarnessOptions } from '../../support/call-harness.js';
import { hangupComplete } from '../../support/test-endpoint.js';

export const EXAMPLE_TEMPLATE =
  '"${caller_id_name}","${caller_id_number}","${destination_number}","${context}","${start_stamp}","${answer_stamp}","${end_stamp}","${duration}","${billsec}","${hangup_cause}","${uuid}","${bleg_uuid}","${accountcode}","${read_codec}","${write_codec}"';

export function cdrCsvConf(settings: Record<string, string> = {}, templates: Record<string, string> = {}): string {
  const all = { example: EXAMPLE_TEMPLATE, ...templates };
  const params = { 'default-template': 'example', legs: 'a', ...settings };
  return `<configuration name="cdr_csv.conf">
  <settings>${Object.entries(params).map(([k, v]) => `<param name="${k}" value="${v}"/>`).join('')}</settings>
  <templates>${Object.entries(all).map(([k, v]) => `<template name="${k}">${xmlText(v)}</template>`).join('\n')}</templates>
</configuration>`;
}

export function jsonCdrConf(settings: Record<string, string> = {}): string {
  return `<configuration name="json_cdr.conf"><settings>${Object.entries(settings)
    .map(([k, v]) => `<param name="${k}" value="${xmlText(v)}"/>`)
    .join('')}</settings></configuration>`;
}

function xmlText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
}

export interface CdrHarness extends Harness {
  writer: CdrWriter;
  /** Close and open the writer again on the same data directory (a restart). */
  reopen(): Promise<CdrWriter>;
}

export async function cdrHarness(opts: HarnessOptions = {}): Promise<CdrHarness> {
  const h = await callHarness(opts);
  const open = () => CdrWriter.open({ core: h.core, config: h.tree, dataDir: h.dataDir, logger: silentLogger });
  const ch: CdrHarness = Object.assign(h, {
    writer: await open(),
    async reopen() {
      await ch.writer.close();
      ch.writer = await open();
      return ch.writer;
    },
  });
  const close = h.close.bind(h);
  ch.close = async (o) => {
    await ch.writer.close();
    await close(o);
  };
  return ch;
}

export interface CallOptions {
  /** Caller variables (accountcode, process_cdr …). */
  variables?: Record<string, string>;
  callerIdName?: string;
  /** How the callee ends it: answer then hang up (default), or refuse with a cause. */
  refuse?: import('../../../../src/b2bua/index.js').HangupCause;
  /** Who hangs up an answered call (default b). */
  hangupBy?: 'a' | 'b';
  /** Hold the answered call this long before hanging up. */
  talkMs?: number;
}

/** 1000 dials 1001 through the default dialplan; resolves when both legs completed and their CDRs are stored. */
export async function call(h: CdrHarness, opts: CallOptions = {}): Promise<{ a: Channel; b: Channel }> {
  const a = h.endpoint.inbound(h.core, { callerIdNumber: '1000', callerIdName: opts.callerIdName, destination: '1001', variables: opts.variables });
  const n = h.endpoint.outbound.length;
  const aDone = hangupComplete(h.core, a);
  void h.core.run(a);
  const b = await h.endpoint.nextOutbound(n);
  const bDone = hangupComplete(h.core, b);
  if (opts.refuse) {
    b.hangup(opts.refuse);
  } else {
    b.markAnswered();
    await until(() => a.partner === b, 2000, 'the bridge');
    if (opts.talkMs) await new Promise((r) => setTimeout(r, opts.talkMs));
    (opts.hangupBy === 'a' ? a : b).hangup('NORMAL_CLEARING');
  }
  await Promise.all([aDone, bDone]);
  await Promise.all([h.writer.whenStored(a.uuid), h.writer.whenStored(b.uuid)]);
  return { a, b };
}
