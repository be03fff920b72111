// The bottom layer: errors, the logger type and a few small helpers that every other folder
// may import. It imports nothing from src/.
export * from './errors.js';
export * from './logger.js';
export * from './events.js';
