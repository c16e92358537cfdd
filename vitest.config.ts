import { fileURLToPath } from 'node:url'

import { defineConfig } from 'vitest/config'

const src = (path: string): string => fileURLToPath(new URL(`./src/${path}`, import.meta.url))

export default defineConfig({
  resolve: {
    // Examples import the public package by name, exactly as a user would; in
    // the repository that name points at the sources so tests need no build.
    alias: [
      { find: /^tschannels$/, replacement: src('index.ts') },
      { find: /^tschannels\/testing$/, replacement: src('testing/index.ts') },
      { find: /^tschannels\/errors$/, replacement: src('errors.ts') },
      { find: /^tschannels\/server$/, replacement: src('server/index.ts') },
      { find: /^tschannels\/client$/, replacement: src('client/index.ts') },
      { find: /^tschannels\/layers\/redis$/, replacement: src('layers/redis/index.ts') },
      { find: /^tschannels\/(sqlite|postgres|redis|jwt|django|metrics)$/, replacement: src('$1.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts', 'examples/**/*.test.ts'],
    testTimeout: 15_000,
    hookTimeout: 15_000,
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      reporter: ['text-summary'],
    },
  },
})
