// @ts-check
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'coverage/**',
      'test-output/**',
      'src/console/public/**',
      'test/support/phasegate-api.ts',
    ],
  },
  js.configs.recommended,
  tseslint.configs.strictTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // numbers, booleans and null in a message or a SQL identifier list read as they should
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true, allowNullish: true },
      ],
      // `() => clearTimeout(t)` is the idiom for a callback; braces around it would say nothing more
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
      // an async method that implements an async contract stays async even when it need not
      // await: its throw then reaches the caller as a rejection, which is what the contract's
      // callers handle (a sync throw from a "Promise-returning" method escapes their .catch)
      '@typescript-eslint/require-await': 'off',
      // a leading underscore names what is left out on purpose (a destructured field, an argument)
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // Nest and TypeORM declare their option bags as classes but take plain objects, as their
      // own documentation writes them
      '@typescript-eslint/no-unsafe-class-instance-assignment': 'off',
      // Nest modules are classes that exist for their decorator
      '@typescript-eslint/no-extraneous-class': ['error', { allowWithDecorator: true }],
    },
  },
  {
    files: ['test/**/*.ts', '**/*.spec.ts'],
    rules: {
      // supertest and fetch bodies are `any` by design, as are jest's matchers (expect.any) and
      // the raw rows a test reads back; every response a suite receives is validated against
      // the OpenAPI document at runtime (test/support/openapi-contract.ts), which checks more
      // than a static cast to the generated types could
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      // a test's `!` follows the assertion that found the value; a failing test shows the rest
      '@typescript-eslint/no-non-null-assertion': 'off',
      // what beforeAll assigns is typed as always set, but afterAll also runs when beforeAll
      // failed half-way: its optional chains are needed, and the types cannot say so
      '@typescript-eslint/no-unnecessary-condition': 'off',
    },
  },
  // plain JavaScript (the config, a preload script) is outside the TypeScript project
  {
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: globals.node },
  },
);
