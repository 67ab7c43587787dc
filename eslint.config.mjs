// Lint rules that hold the architecture: main/shared stays pure TypeScript, the renderer imports only main/shared,
// the core never touches Electron, and boundaries carry no `any`.
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['node:*', 'fs', 'path', 'os', 'child_process', 'crypto', 'http', 'net', 'worker_threads', 'url', 'events', 'stream', 'util'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'renderer/dist/**', 'test-output/**', '**/*.mjs', '**/*.js'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['main/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: [...nodeBuiltins, 'electron', 'better-sqlite3', 'ws', 'react', 'react-dom', 'ngl'], message: 'main/shared is pure TypeScript: no Node, DOM or Electron.' },
          { group: ['../core/**', '../electron/**', '../server/**', '../cli/**', '../../renderer/**', '../../native-workers/**'], message: 'main/shared imports nothing else of the app.' },
        ],
      }],
      'no-restricted-globals': ['error', 'window', 'document', 'process', 'Buffer', 'require', '__dirname'],
    },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: [...nodeBuiltins, 'electron', 'better-sqlite3', 'ws'], message: 'The renderer talks only to window.api.' },
          { group: ['**/main/core/**', '**/main/electron/**', '**/main/server/**', '**/main/cli/**', '**/native-workers/**'], message: 'The renderer may import only main/shared.' },
        ],
      }],
    },
  },
  {
    files: ['main/core/**/*.ts', 'native-workers/**/*.ts', 'main/server/**/*.ts', 'main/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'electron', message: 'Only main/electron may import Electron.' }] }],
    },
  },
);
