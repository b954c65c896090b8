/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test', '<rootDir>/src'],
  testMatch: ['**/*.test.ts'],
  transform: {
    // TypeScript, and the few ES-module-only packages below (jest's CommonJS runtime cannot require them).
    '^.+\\.[tj]s$': [
      'ts-jest',
      { tsconfig: { allowJs: true, isolatedModules: true }, diagnostics: { ignoreCodes: [151002] } },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!(@apidevtools/json-schema-ref-parser)/)'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 30000,
  // Each test file gets its own database cloned from a migrated template, so files run in parallel safely.
  maxWorkers: 2,
};
