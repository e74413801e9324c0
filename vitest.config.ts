import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'test/unit/**/*.test.ts',
      'test/server/**/*.test.ts',
      'test/main/**/*.test.ts',
      'test/keychain/**/*.test.ts',
      'test/renderer/**/*.test.ts',
      'test/attestation/**/*.test.ts',
    ],
    environment: 'node',
    testTimeout: 20_000,
  },
});
