// The bottom layer: errors, the logger type and a few small helpers that every other folder
// may import. It imports nothing from src/.
export * from './errors.js';
export * from './logger.js';
export * from './log-levels.js';
export * from './log-tap.js';
export * from './idle-cpu.js';
export * from './events.js';
export * from './url-encode.js';
