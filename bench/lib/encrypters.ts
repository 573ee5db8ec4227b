// The connection encrypters the benchmarks compare, by name, so the benchmark process and the
// receiving process it spawns build exactly the same one. Noise picks native ChaCha20-Poly1305
// in Node, but Electron's BoringSSL has none, so there Noise runs its WASM cipher (what
// `isElectronMain` selects in @chainsafe/libp2p-noise's crypto); its pure-JS (noble) cipher is
// the remaining fallback.
import { noise, pureJsCrypto } from '@chainsafe/libp2p-noise'
import { asCrypto, defaultCrypto } from '@chainsafe/libp2p-noise/crypto'
import { tls } from '@libp2p/tls'
import { defaultEncrypters } from '../../shared/peer/node.ts'
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

export interface Offer {
  label: string
  make(): EncrypterFactory[]
  /** The encrypter two peers with this offer agree on (the raw floor uses it alone). */
  negotiates: EncrypterName
}

/**
 * What a benchmark peer offers, by name: one of the encrypters above alone, or createNode's own
 * list: 'desktop' as the desktop app runs it inside Electron (TLS 1.3 first, then Noise on its
 * WASM cipher), 'serve' as `hearth serve` runs it in Node. Two such peers negotiate `negotiates`.
 */
export const APP_OFFERS: Record<'desktop' | 'serve', Offer> = {
  desktop: {
    label: "desktop app: createNode's list with Electron's Noise, negotiates TLS 1.3",
    make: () => defaultEncrypters(ENCRYPTERS['noise-wasm'].make()),
    negotiates: 'tls',
  },
  serve: {
    label: "hearth serve: createNode's list, negotiates TLS 1.3",
    make: () => defaultEncrypters(),
    negotiates: 'tls',
  },
}

export type OfferName = EncrypterName | keyof typeof APP_OFFERS

export function offerOf(name: OfferName): Offer {
  if (isEncrypterName(name)) {
    const one = ENCRYPTERS[name]
    return { label: one.label, make: () => [one.make()], negotiates: name }
  }
  return APP_OFFERS[name]
}

export function isOfferName(name: string): name is OfferName {
  return isEncrypterName(name) || Object.hasOwn(APP_OFFERS, name)
}
