// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'test-output/**', 'src/console/public/**', 'test/support/phasegate-api.ts'] },
  js.configs.recommended,
  tseslint.configs.strictTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // numbers, booleans and null in a message or a SQL identifier list read as they should
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true, allowNullish: true }],
      // `() => clearTimeout(t)` is the idiom for a callback; braces around it would say nothing more
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
      // Nest modules are classes that exist for their decorator
      '@typescript-eslint/no-extraneous-class': ['error', { allowWithDecorator: true }],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // supertest and fetch bodies are `any` by design; every response a suite receives is
      // validated against the OpenAPI document at runtime (test/support/openapi-contract.ts),
      // which checks more than a static cast to the generated types could
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // a test's `!` follows the assertion that found the value; a failing test shows the rest
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
);
