// The sqlite schema as an ordered list of steps. The database records how many steps it has run in
// `PRAGMA user_version`; opening runs the missing ones, each in its own transaction. Never edit a
// step that has shipped: add a new one.

export interface Migration {
  /** The user_version the database has after this step; steps are numbered 1, 2, 3, ... */
  version: number
  description: string
  sql: string
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    description: 'groups, their updates and snapshots, settings, known peers',
    sql: `
      CREATE TABLE groups (
        group_id  TEXT PRIMARY KEY NOT NULL,
        joined_at INTEGER NOT NULL,
        -- kept here, not derived from the updates, so seqs are never reused after a compaction
        last_seq  INTEGER NOT NULL DEFAULT 0
      ) STRICT;
      CREATE TABLE updates (
        group_id TEXT NOT NULL REFERENCES groups (group_id) ON DELETE CASCADE,
        seq      INTEGER NOT NULL,
        data     BLOB NOT NULL,
        PRIMARY KEY (group_id, seq)
      ) STRICT, WITHOUT ROWID;
      CREATE TABLE snapshots (
        group_id TEXT PRIMARY KEY NOT NULL REFERENCES groups (group_id) ON DELETE CASCADE,
        upto_seq INTEGER NOT NULL,
        data     BLOB NOT NULL
      ) STRICT;
      CREATE TABLE settings (
        key   TEXT PRIMARY KEY NOT NULL,
        value TEXT NOT NULL
      ) STRICT;
      CREATE TABLE peers (
        peer_id TEXT PRIMARY KEY NOT NULL,
        addrs   TEXT NOT NULL, -- JSON array of multiaddr strings
        seen_at INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 2,
    description: 'read markers (receipts), the latest per member and group',
    sql: `
      CREATE TABLE receipts (
        group_id   TEXT NOT NULL REFERENCES groups (group_id) ON DELETE CASCADE,
        reader     TEXT NOT NULL,
        ts         INTEGER NOT NULL,
        message_id TEXT NOT NULL,
        sig        TEXT NOT NULL,
        PRIMARY KEY (group_id, reader)
      ) STRICT, WITHOUT ROWID;
    `,
  },
]
