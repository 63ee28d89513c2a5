// ESLint (typescript-eslint strict, type-aware): `npm run lint`, run by `npm test` and so by CI.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'out/', 'dist/', 'tasks/*/dist/', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    rules: {
      // Unused names are tsc's job (noUnusedLocals, noUnusedParameters); `_`-prefixed arguments are intended.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
      eqeqeq: ['error', 'always'],
    },
  },
  {
    // The emulator reads and answers arbitrary wire JSON as Azure's services do: its records are open-ended.
    files: ['emulator/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Tests reach into emulator state and parsed JSON: non-null assertions and `any` there say "the test knows".
    files: ['**/*.test.ts', 'test/**/*.ts', 'tasks/*/tests/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-dynamic-delete': 'off',
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
);
