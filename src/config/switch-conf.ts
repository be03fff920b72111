// Typed view of `autoload_configs/switch.conf.xml` (`<configuration name="switch.conf">`,
// `<settings>`): the core's RTP port range, session limits, log level and heartbeat. Absent
// params take FreeSWITCH's defaults; malformed ones are ConfigErrors at their position.

import { ConfigError } from '../common/index.js';
import type { NameValueSet } from './name-value-set.js';
import type { SourcePosition, XmlElement } from './xml-element.js';
import { readParamsOf } from './xml-util.js';

/** FreeSWITCH's log level names, most to least severe. */
export const LOG_LEVELS = ['console', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'] as const;
export type FsLogLevel = (typeof LOG_LEVELS)[number];

export interface SwitchConf {
  readonly params: NameValueSet;
  /** First RTP port (even); `rtp-start-port`, default 16384. */
  readonly rtpStartPort: number;
  /** Last RTP port; `rtp-end-port`, default 32768. */
  readonly rtpEndPort: number;
  /** `max-sessions`, default 1000. */
  readonly maxSessions: number;
  /** `sessions-per-second`, default 30. */
  readonly sessionsPerSecond: number;
  /** `loglevel`, default info. */
  readonly loglevel: FsLogLevel;
  /** `switchname`, default unset (the host name is used). */
  readonly switchname: string | undefined;
  /** `core-db-name` (file name of the core database under db_dir), unset = default. */
  readonly coreDbName: string | undefined;
  /** `event-heartbeat-interval`: seconds between HEARTBEAT events, default 20. */
  readonly eventHeartbeatIntervalSec: number;
  /** Where `<configuration name="switch.conf">` was, if present. */
  readonly pos: SourcePosition | undefined;
}

export function readSwitchConf(el: XmlElement | undefined): SwitchConf {
  const params = readParamsOf(el, 'settings');
  const rtpStartPort = params.int('rtp-start-port', 16384, { min: 1, max: 65535 });
  const rtpEndPort = params.int('rtp-end-port', 32768, { min: 1, max: 65535 });
  if (rtpEndPort <= rtpStartPort) {
    const where = params.entry('rtp-end-port')?.pos ?? params.entry('rtp-start-port')?.pos ?? el?.pos;
    throw new ConfigError(`rtp-end-port (${rtpEndPort}) must be above rtp-start-port (${rtpStartPort})`, where);
  }
  return Object.freeze({
    params,
    rtpStartPort,
    rtpEndPort,
    maxSessions: params.int('max-sessions', 1000, { min: 1 }),
    sessionsPerSecond: params.int('sessions-per-second', 30, { min: 1 }),
    loglevel: readLogLevel(params),
    switchname: nonEmpty(params.get('switchname')),
    coreDbName: nonEmpty(params.get('core-db-name')),
    eventHeartbeatIntervalSec: params.int('event-heartbeat-interval', 20, { min: 1 }),
    pos: el?.pos,
  });
}

function readLogLevel(params: NameValueSet): FsLogLevel {
  const e = params.entry('loglevel');
  if (!e) return 'info';
  const v = e.value.trim().toLowerCase();
  if (/^[0-7]$/.test(v)) return LOG_LEVELS[Number(v)];
  const aliases: Record<string, FsLogLevel> = { error: 'err', warn: 'warning', critical: 'crit' };
  const level = (LOG_LEVELS as readonly string[]).includes(v) ? (v as FsLogLevel) : aliases[v];
  if (!level) throw new ConfigError(`loglevel must be one of ${LOG_LEVELS.join(', ')} (or 0-7), got "${e.value}"`, e.pos);
  return level;
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === '' ? undefined : v;
}
