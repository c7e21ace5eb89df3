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
  setupFiles: ['<rootDir>/test/support/home.cjs'],
  reporters: ['default', '<rootDir>/test/support/summary-reporter.cjs'],
};

export default config;
