import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  // test-d/scope-extensions/ is compiled against the built package by test/declarations.test.ts,
  // as an application's own code is; no project here types it.
  {
    ignores: [
      'dist/',
      'coverage/',
      'node_modules/',
      'examples/**/public/',
      'bench/peers/',
      'test-d/scope-extensions/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: {
          allowDefaultProject: ['eslint.config.js', 'test/doc-samples/context.ts'],
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // Everything here is built on `await send(...)`: a forgotten await is the
      // likeliest bug, so both rules are errors, not warnings.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
)
