import { defineConfig } from 'vitest/config';

/** Everything that touches the server's database runs twice: on SQLite (the embedded default) and on PostgreSQL. */
const DATABASE_SUITES = ['test/server/**/*.test.ts', 'test/attestation/**/*.test.ts'];

export default defineConfig({
  test: {
    environment: 'node',
    testTimeout: 20_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'sqlite',
          include: [
            'test/unit/**/*.test.ts',
            ...DATABASE_SUITES,
            'test/main/**/*.test.ts',
            'test/keychain/**/*.test.ts',
            'test/renderer/**/*.test.ts',
          ],
        },
      },
      {
        extends: true,
        test: { name: 'postgres', include: DATABASE_SUITES, env: { FIRSTKEY_TEST_DB: 'postgres' } },
      },
    ],
  },
});
