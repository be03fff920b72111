// What `status` and HEARTBEAT report about the switch: uptime, session counters, limits, idle
// CPU. The core owns the real numbers and implements SwitchStatusProvider; until it is wired,
// the static provider reports a real uptime and idle CPU with zero sessions.

import { createIdleCpuSampler } from '../common/index.js';

export interface SwitchStatusSnapshot {
  /** Wall clock of the start, ms since the epoch. */
  readonly startedAtMs: number;
  /** Time since the start in microseconds. */
  readonly uptimeMicros: number;
  /** False while starting or shutting down (`is not ready`). */
  readonly ready: boolean;
  readonly sessionsSinceStartup: number;
  readonly sessionCount: number;
  readonly sessionPeakMax: number;
  readonly sessionPeakFiveMin: number;
  /** Sessions created in the last second. */
  readonly sessionsPerSecondLast: number;
  readonly spsMax: number;
  readonly spsFiveMin: number;
  /** `max-sessions` from switch.conf. */
  readonly maxSessions: number;
  /** `sessions-per-second` limit from switch.conf. */
  readonly spsLimit: number;
  /** `min-idle-cpu` threshold from switch.conf (0 = none). */
  readonly minIdleCpu: number;
  /** Current idle CPU in percent. */
  readonly idleCpu: number;
  /** Stack use in KiB, when known (`Current Stack Size/Max` line). */
  readonly stackSizeKb?: { current: number; max: number };
}

export interface SwitchStatusProvider {
  snapshot(): SwitchStatusSnapshot;
}

export interface StaticStatusOptions {
  startedAtMs?: number;
  maxSessions?: number;
  spsLimit?: number;
  minIdleCpu?: number;
  idleCpu?: () => number;
}

/** Microseconds since the epoch from the high-resolution clock. */
export function nowMicros(): number {
  return Math.floor((performance.timeOrigin + performance.now()) * 1000);
}

/** Real uptime and idle CPU, zero sessions: the default until the core provides its own. */
export function createStaticStatusProvider(opts: StaticStatusOptions = {}): SwitchStatusProvider {
  const startedAtMicros = opts.startedAtMs !== undefined ? opts.startedAtMs * 1000 : nowMicros();
  const idleCpu = opts.idleCpu ?? createIdleCpuSampler();
  return {
    snapshot() {
      return {
        startedAtMs: Math.floor(startedAtMicros / 1000),
        uptimeMicros: Math.max(0, nowMicros() - startedAtMicros),
        ready: true,
        sessionsSinceStartup: 0,
        sessionCount: 0,
        sessionPeakMax: 0,
        sessionPeakFiveMin: 0,
        sessionsPerSecondLast: 0,
        spsMax: 0,
        spsFiveMin: 0,
        maxSessions: opts.maxSessions ?? 1000,
        spsLimit: opts.spsLimit ?? 30,
        minIdleCpu: opts.minIdleCpu ?? 0,
        idleCpu: idleCpu(),
      };
    },
  };
}

const US_PER_MS = 1000;

/**
 * FreeSWITCH's uptime text: `0 years, 0 days, 2 hours, 14 minutes, 9 seconds, 312 milliseconds,
 * 77 microseconds`, each unit plural unless exactly 1 (a year is 365 days).
 */
export function formatFsDuration(micros: number): string {
  let rest = Math.max(0, Math.floor(micros));
  const us = rest % US_PER_MS;
  rest = Math.floor(rest / US_PER_MS);
  const ms = rest % 1000;
  rest = Math.floor(rest / 1000);
  const sec = rest % 60;
  rest = Math.floor(rest / 60);
  const min = rest % 60;
  rest = Math.floor(rest / 60);
  const hr = rest % 24;
  rest = Math.floor(rest / 24);
  const day = rest % 365;
  const yr = Math.floor(rest / 365);
  const u = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  return [
    u(yr, 'year'),
    u(day, 'day'),
    u(hr, 'hour'),
    u(min, 'minute'),
    u(sec, 'second'),
    u(ms, 'millisecond'),
    u(us, 'microsecond'),
  ].join(', ');
}
