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
  {
    ignores: [
      'node_modules/**',
      '.tsbuild/**',
      'e2e/screenshots/**',
      'e2e/test-results/**',
      'dist/**',
    ],
  },
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
  // The Electron shell. Main and core host may use Electron and Node; nothing in electron/
  // reaches into renderer code except the desktop API types it shares with the window.
  { ignores: ['.vite/**', 'out/**'] },
  {
    files: ['electron/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: 'renderer/(?!platform/desktop-api\\.ts$)',
              message: 'electron/ shares only renderer/platform/desktop-api.ts with the window.',
            },
            {
              group: ['react', 'react-dom', 'react/*', 'react-dom/*'],
              message: 'electron/ never renders UI; the window runs renderer/.',
            },
          ],
        },
      ],
    },
  },
  // The sandboxed preload: Electron's contextBridge and ipcRenderer, the channel names and the
  // shared API types. Anything else would widen what the page can reach.
  {
    files: ['electron/preload.ts'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'electron',
              allowImportNames: ['contextBridge', 'ipcRenderer', 'IpcRendererEvent'],
              message: 'the preload may use only contextBridge and ipcRenderer.',
            },
          ],
          patterns: [
            {
              regex: '^(?!electron$|\\./ipc\\.ts$|\\.\\./renderer/platform/desktop-api\\.ts$)',
              message: 'the preload may import only electron, ./ipc.ts and the desktop API types.',
            },
          ],
        },
      ],
    },
  },
  // These run in unit tests under plain Node, where importing Electron would try to fetch its
  // binary: they may take Electron's types, never its code.
  {
    files: [
      'electron/**/*.test.ts',
      'electron/attention.ts',
      'electron/core-host-protocol.ts',
      'electron/file-access.ts',
      'electron/host-supervisor.ts',
      'electron/ipc.ts',
      'electron/paths.ts',
      'electron/restart-policy.ts',
      'electron/security.ts',
      'electron/strings.ts',
      'electron/tray-icon.ts',
      'electron/window-state.ts',
    ],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'electron',
              allowTypeImports: true,
              message: 'unit-tested without Electron: import its types only.',
            },
          ],
        },
      ],
    },
  },
)
