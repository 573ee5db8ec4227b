// The store of a data folder as the peer uses it: sqlite, watched and guarded, so that a full,
// read-only or vanished folder stops acknowledgements instead of losing them, and a folder that
// comes back is reopened — never recreated: a missing database means the drive is gone, and a new
// one would be written wherever the path now leads (the host's own disk, under a mount point).
import path from 'node:path'
import { IDENTITY_FILE } from '../identity.ts'
import { DataFolder } from './folder.ts'
import { GuardedStore } from './guarded.ts'
import { DATABASE_FILE, openSqliteStore, SqliteStore } from './sqlite.ts'
import type { Store } from './types.ts'

/** `wrap` puts layers over the sqlite store (sealing): a reopen builds them again. */
export function openDataFolderStore(
  dir: string,
  wrap: (store: Store) => Store = (store) => store,
): GuardedStore {
  const folder = new DataFolder(dir, DATABASE_FILE, IDENTITY_FILE)
  return new GuardedStore({
    open: (again) =>
      wrap(
        again
          ? SqliteStore.open(path.join(dir, DATABASE_FILE), { mustExist: true })
          : openSqliteStore(dir),
      ),
    folder,
  })
}
