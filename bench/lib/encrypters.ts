// The connection encrypters the benchmarks compare, by name, so the benchmark process and the
// receiving process it spawns build exactly the same one. Noise picks native ChaCha20-Poly1305
// in Node, but Electron's BoringSSL has none, so there Noise runs its WASM cipher (what
// `isElectronMain` selects in @chainsafe/libp2p-noise's crypto); its pure-JS (noble) cipher is
// the remaining fallback.
import { noise, pureJsCrypto } from '@chainsafe/libp2p-noise'
import { asCrypto, defaultCrypto } from '@chainsafe/libp2p-noise/crypto'
import { tls } from '@libp2p/tls'
import type { EncrypterFactory } from '../../shared/peer/node.ts'

/** Noise exactly as it runs inside Electron: WASM ChaCha20-Poly1305 for every message size. */
const electronNoiseCrypto = {
  ...defaultCrypto,
  chaCha20Poly1305Encrypt: asCrypto.chaCha20Poly1305Encrypt,
  chaCha20Poly1305Decrypt: asCrypto.chaCha20Poly1305Decrypt,
}

export const ENCRYPTERS = {
  noise: { label: 'Noise, native crypto (Node)', make: () => noise() },
  'noise-wasm': {
    label: 'Noise, WASM cipher (Electron)',
    make: () => noise({ crypto: electronNoiseCrypto }),
  },
  'noise-js': { label: 'Noise, pure JS (noble)', make: () => noise({ crypto: pureJsCrypto }) },
  tls: { label: 'TLS 1.3 (@libp2p/tls)', make: () => tls() },
} satisfies Record<string, { label: string; make: () => EncrypterFactory }>

export type EncrypterName = keyof typeof ENCRYPTERS

export function isEncrypterName(name: string): name is EncrypterName {
  return Object.hasOwn(ENCRYPTERS, name)
}
