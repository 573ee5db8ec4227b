// One lint gate for the whole tree. The boundary rules encode where code may run:
// the contract and RPC layers run in the renderer too, so they never touch Node, libp2p or yjs;
// the peer never touches Electron or the DOM.
import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import globals from 'globals'
import reactHooks from 'eslint-plugin-react-hooks'

const nodeOnly = ['node:*', 'fs', 'path', 'os', 'net', 'child_process', 'crypto', 'ws']
const networking = ['libp2p', '@libp2p/*', '@chainsafe/*', 'yjs', 'y-protocols', 'y-protocols/*']

export default tseslint.config(
  { ignores: ['node_modules/**', '.tsbuild/**', 'e2e/screenshots/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'no-empty': ['error', { allowEmptyCatch: false }],
    },
  },
  {
    files: ['shared/api/**/*.ts', 'shared/rpc/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [...nodeOnly, ...networking, 'electron'],
              message:
                'shared/api and shared/rpc also run in the renderer: no Node, libp2p, yjs or Electron here.',
            },
            {
              group: ['**/peer/**', '**/cli/**'],
              message: 'the contract must not depend on the peer or the CLI.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['shared/peer/**/*.ts', 'shared/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['electron', 'react', 'react-dom', '**/renderer/**', '**/electron/**'],
              message: 'the peer runs in plain Node: no Electron, DOM or renderer code.',
            },
          ],
        },
      ],
    },
  },
  // The renderer runs in a browser page (or a sandboxed Electron window): DOM only, and it reaches
  // the peer solely through the contract (shared/api) and the RPC client (shared/rpc).
  { ignores: ['renderer/dist/**'] },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    ignores: ['renderer/**/*.test.ts'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'error',
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [...nodeOnly, ...networking, 'electron'],
              message: 'the renderer runs in a browser: no Node, libp2p, yjs or Electron here.',
            },
            {
              group: ['**/peer/**', '**/cli/**', '**/electron/**'],
              message: 'the renderer reaches the peer only through shared/api and shared/rpc.',
            },
          ],
        },
      ],
    },
  },
)
