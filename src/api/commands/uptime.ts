// `uptime [us|ms|s|m|h|d]`: time since start in one unit, seconds by default.

import type { ApiCommand } from '../registry.js';
import type { SwitchStatusProvider } from '../status-provider.js';

const SYNTAX = '[us|ms|s|m|h|d|microseconds|milliseconds|seconds|minutes|hours|days]';

const SCALE_US: Record<string, number> = {
  '': 1_000_000,
  us: 1,
  microseconds: 1,
  ms: 1000,
  milliseconds: 1000,
  s: 1_000_000,
  seconds: 1_000_000,
  m: 60_000_000,
  minutes: 60_000_000,
  h: 3_600_000_000,
  hours: 3_600_000_000,
  d: 86_400_000_000,
  days: 86_400_000_000,
};

export function uptimeCommand(provider: SwitchStatusProvider): ApiCommand {
  return {
    description: 'Show uptime',
    usage: SYNTAX,
    handler(args) {
      const scale = SCALE_US[args.trim().toLowerCase()];
      if (scale === undefined) return `-USAGE: ${SYNTAX}\n`;
      return `${Math.floor(provider.snapshot().uptimeMicros / scale)}\n`;
    },
  };
}
