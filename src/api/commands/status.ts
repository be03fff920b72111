// `status`: uptime, readiness, session counters and limits in FreeSWITCH's exact line shapes
// (spec §6.1). Lines 4 and 5 end with a space, as FS prints them.

import type { ApiCommand } from '../registry.js';
import type { SwitchStatusProvider, SwitchStatusSnapshot } from '../status-provider.js';
import { formatFsDuration } from '../status-provider.js';
import { productInfo, type ProductInfo } from '../product.js';

export function formatStatus(s: SwitchStatusSnapshot, product: ProductInfo = productInfo()): string {
  let out = `UP ${formatFsDuration(s.uptimeMicros)}\n`;
  out += `${product.name} (Version ${product.version} ${product.bits}) is ${s.ready ? 'ready' : 'not ready'}\n`;
  out += `${s.sessionsSinceStartup} session(s) since startup\n`;
  out += `${s.sessionCount} session(s) - peak ${s.sessionPeakMax}, last 5min ${s.sessionPeakFiveMin} \n`;
  out += `${s.sessionsPerSecondLast} session(s) per Sec out of max ${s.spsLimit}, peak ${s.spsMax}, last 5min ${s.spsFiveMin} \n`;
  out += `${s.maxSessions} session(s) max\n`;
  out += `min idle cpu ${s.minIdleCpu.toFixed(2)}/${s.idleCpu.toFixed(2)}\n`;
  if (s.stackSizeKb) out += `Current Stack Size/Max ${s.stackSizeKb.current}K/${s.stackSizeKb.max}K\n`;
  return out;
}

export function statusCommand(provider: SwitchStatusProvider, product?: ProductInfo): ApiCommand {
  return {
    description: 'Show current status',
    usage: '',
    handler: () => formatStatus(provider.snapshot(), product),
  };
}
