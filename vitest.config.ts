import { defineConfig } from 'vitest/config';

// Two projects: unit tests run in parallel; interop tests start real processes (the switch,
// SIPp, baresip) on loopback ports and run one file at a time so they do not fight over the
// machine's two cores.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'interop',
          include: ['test/interop/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
