export type { KnownPeer, Store, StoredGroup } from './types.ts'
export { MemoryStore } from './memory.ts'
export { DATABASE_FILE, openSqliteStore, SqliteStore, type SqliteStoreOptions } from './sqlite.ts'
export { migrations, type Migration } from './migrations.ts'
