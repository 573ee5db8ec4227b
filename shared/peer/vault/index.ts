// Encryption at rest: a passphrase unlocks a data key that seals everything the peer stores.
export { DEFAULT_SCRYPT, type ScryptParams } from './crypto.ts'
export { enableVault, type EnableOptions } from './enable.ts'
export { readHeader, VAULT_FILE } from './header.ts'
export { SealedStore } from './sealed-store.ts'
export {
  alreadyEncrypted,
  changePassphrase,
  headerMissing,
  headerMissingError,
  isSealed,
  notEncrypted,
  removePlaintext,
  SEALED_DIR,
  unlockVault,
  Vault,
} from './vault.ts'
