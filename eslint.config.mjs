import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import moduleBoundaries from './scripts/lint/module-boundaries.mjs';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'reports/', '.stryker-tmp/', '**/*.js', '!eslint.config.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
      eqeqeq: ['error', 'always'],
    },
  },
  {
    files: ['**/*.ts'],
    plugins: { orderscope: { rules: { 'module-boundaries': moduleBoundaries } } },
    rules: { 'orderscope/module-boundaries': 'error' },
  },
);
