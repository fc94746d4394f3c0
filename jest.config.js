const swc = (module) => ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module }];

/** One jest run for the whole repository: unit tests beside the code, system tests in services/apphost/test. */
module.exports = {
  testEnvironment: 'node',
  transform: {
    // The global setup loads the ESM-only emulator and embedded Postgres: keep their `import()` native there.
    // Everywhere else `import()` must become require(), or jest's sandbox rejects it (Prisma's client uses it).
    'services/apphost/(test/global-setup|src/postgres|src/emulator)\\.ts$': swc({ type: 'commonjs', ignoreDynamic: true }),
    '^.+\\.(t|j)sx?$': swc({ type: 'commonjs' }),
  },
  // Compiled to CommonJS like our own code: ESM-only packages jest cannot require without --experimental-vm-modules.
  transformIgnorePatterns: ['/node_modules/(?!@apidevtools/json-schema-ref-parser/)'],
  testMatch: ['<rootDir>/events/src/**/*.test.ts', '<rootDir>/services/*/src/**/*.test.ts', '<rootDir>/services/*/test/**/*.test.ts', '<rootDir>/ops/src/**/*.test.ts', '<rootDir>/bench/src/**/*.test.ts', '<rootDir>/chaos/src/**/*.test.ts', '<rootDir>/infra/test/**/*.test.ts', '<rootDir>/frontend/e2e/**/*.e2e.test.ts'],
  globalSetup: '<rootDir>/services/apphost/test/global-setup.ts',
  globalTeardown: '<rootDir>/services/apphost/test/global-teardown.ts',
  testEnvironmentOptions: { globalsCleanup: 'off' },
  testTimeout: 60_000,
  maxWorkers: 2,
};
