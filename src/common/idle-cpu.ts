// Idle CPU percentage as FreeSWITCH reports it (`NN.NN%` on console lines, `min idle cpu` in
// `status`, `Idle-CPU` in HEARTBEAT). Sampled from os.cpus() at most once per interval, so
// asking for it on every log line costs a comparison.

import { cpus } from 'node:os';

interface CpuTotals {
  idle: number;
  total: number;
}

function readTotals(): CpuTotals {
  let idle = 0;
  let total = 0;
  for (const cpu of cpus()) {
    const t = cpu.times;
    idle += t.idle;
    total += t.user + t.nice + t.sys + t.idle + t.irq;
  }
  return { idle, total };
}

/**
 * A function returning idle CPU in percent (0–100) over the last sampling interval. The first
 * reading covers the time since boot. Readings are cached for `minIntervalMs`.
 */
export function createIdleCpuSampler(minIntervalMs = 1000): () => number {
  let last = readTotals();
  let lastAt = Date.now();
  let value = last.total > 0 ? (last.idle / last.total) * 100 : 100;
  return () => {
    const now = Date.now();
    if (now - lastAt < minIntervalMs) return value;
    const cur = readTotals();
    const dTotal = cur.total - last.total;
    if (dTotal > 0) value = Math.min(100, Math.max(0, ((cur.idle - last.idle) / dTotal) * 100));
    last = cur;
    lastAt = now;
    return value;
  };
}
