// @ts-check
/** @type {import('jest').Config['transform']} */
const transform = {
  '^.+\\.ts$': [
    '@swc/jest',
    { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
  ],
};

const common = {
  transform,
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  setupFiles: [
    '<rootDir>/shared/testing/src/block-outbound-network.ts',
    '<rootDir>/shared/testing/src/native-errors-are-errors.ts',
  ],
};

/** @type {import('jest').Config} */
module.exports = {
  // Integration tests wait on queues and a slow emulator; unit tests finish long before this.
  testTimeout: 60_000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/{shared,services,scripts,terraform}/**/__tests__/**/*.test.ts'],
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: [
        '<rootDir>/{shared,services}/*/test/**/*.test.ts',
        '<rootDir>/scripts/test/**/*.test.ts',
      ],
      globalSetup: '<rootDir>/shared/testing/src/local-aws.global-setup.ts',
      globalTeardown: '<rootDir>/shared/testing/src/local-aws.global-teardown.ts',
    },
  ],
};
