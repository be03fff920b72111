// HEARTBEAT: every 20 s (FreeSWITCH's `event-heartbeat-interval`) an event with uptime and
// session counters (spec §7.6). Nothing is built while nobody listens on the bus.

import type { EventBus, EventHeaders } from '../common/index.js';
import type { SwitchStatusProvider, SwitchStatusSnapshot } from './status-provider.js';
import { formatFsDuration } from './status-provider.js';
import { productInfo, type ProductInfo } from './product.js';

export function heartbeatHeaders(s: SwitchStatusSnapshot, product: ProductInfo = productInfo()): EventHeaders {
  return [
    ['Event-Info', s.ready ? 'System Ready' : 'System Not Ready'],
    ['Up-Time', formatFsDuration(s.uptimeMicros)],
    ['FreeSWITCH-Version', product.version],
    ['Uptime-msec', String(Math.floor(s.uptimeMicros / 1000))],
    ['Session-Count', String(s.sessionCount)],
    ['Max-Sessions', String(s.maxSessions)],
    ['Session-Per-Sec', String(s.spsLimit)],
    ['Session-Per-Sec-Last', String(s.sessionsPerSecondLast)],
    ['Session-Per-Sec-Max', String(s.spsMax)],
    ['Session-Per-Sec-FiveMin', String(s.spsFiveMin)],
    ['Session-Since-Startup', String(s.sessionsSinceStartup)],
    ['Session-Peak-Max', String(s.sessionPeakMax)],
    ['Session-Peak-FiveMin', String(s.sessionPeakFiveMin)],
    ['Idle-CPU', s.idleCpu.toFixed(6)],
  ];
}

/** Publish HEARTBEAT every intervalMs on an unref'd timer; returns the stop function. */
export function startHeartbeat(
  bus: EventBus,
  status: SwitchStatusProvider,
  intervalMs = 20_000,
  product?: ProductInfo,
): () => void {
  const timer = setInterval(() => {
    if (!bus.hasSubscribers) return;
    try {
      bus.publish('HEARTBEAT', heartbeatHeaders(status.snapshot(), product), {
        origin: { file: 'api/heartbeat.ts', func: 'startHeartbeat' },
      });
    } catch {
      // A broken status provider must not kill the timer's process.
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
