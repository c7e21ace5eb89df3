import os from 'node:os';
import type { Config } from 'jest';

const config: Config = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.cjs.json', diagnostics: false }],
  },
  collectCoverageFrom: ['src/**/*.ts', '!src/cli/main.ts'],
  coverageThreshold: { global: { lines: 90 } },
  coverageReporters: ['text-summary', 'lcov'],
  testTimeout: 30_000,
  // jest's default is one worker per core but one: a single worker on a 2-core machine. The suites
  // mostly wait on local servers (the fake tenant, Redis, PostgreSQL, child processes), so two
  // share two cores well: the suite took 4 min 46 s with 2 workers against 6 min 51 s with 1 on
  // this 2-core machine (no test depends on the machine's speed: simulated time).
  maxWorkers: Math.max(2, os.availableParallelism() - 1),
  setupFiles: ['<rootDir>/test/support/home.cjs'],
  reporters: ['default', '<rootDir>/test/support/summary-reporter.cjs'],
};

export default config;
