// Backups and carry-over bundles, as the contract's commands: what the peer hands this part is
// its store, blob store, key and groups, never its files on disk.
import type { Ed25519PrivateKey } from '@libp2p/interface'
import type { CommandOutput, Handlers, ParsedInput } from '../../api/contract.ts'
import { HearthError } from '../../api/errors.ts'
import type { GroupReplica } from '../groups/replica.ts'
import type { ReadMarker } from '../receipts/index.ts'
import type { BlobStore } from '../shelves/blob-store.ts'
import type { Store } from '../storage/types.ts'
import { writeBackup } from './backup.ts'
import { exportBundle, importBundle } from './bundle.ts'

export { finishPendingRestore, restoreBackup, stageBackup } from './backup.ts'
export type { RestoreSummary, StagedRestore } from './backup.ts'

export type RestoreInPlace = (
  input: ParsedInput<'backup.restore'>,
) => Promise<CommandOutput<'backup.restore'>>

/** The origin a bundle's updates are applied under: not a peer, so every member hears of them. */
export const BUNDLE_ORIGIN = 'bundle'

export interface CarryDeps {
  store: Store
  blobs: BlobStore
  privateKey: Ed25519PrivateKey
  self: string
  name(): string
  version: string
  now(): number
  durable(groupId: string): Promise<void>
  /** A group we are a member of, by id or unambiguous name (the contract's errors otherwise). */
  memberGroup(ref: string): GroupReplica
  /** A group we hold, by id, whether or not we are still a member. */
  heldGroup(groupId: string): GroupReplica | undefined
  shelfChanged(groupId: string): void
  /** The group's read markers that count, and a way to take markers as from a member. */
  readMarkers(groupId: string): ReadMarker[]
  takeMarkers(groupId: string, markers: ReadMarker[]): void
  /** Present when the host can restart this peer as another one (hearth serve, the app). */
  restoreInPlace: RestoreInPlace | undefined
}

type CarryCommands = 'backup.create' | 'backup.restore' | 'bundle.export' | 'bundle.import'

export function carryHandlers(deps: CarryDeps): Pick<Handlers, CarryCommands> {
  return {
    'backup.create': (input) =>
      writeBackup(
        {
          store: deps.store,
          blobs: deps.blobs,
          privateKey: deps.privateKey,
          name: deps.name(),
          version: deps.version,
          now: deps.now,
          durable: deps.durable,
          shelfBlobs: (groupId) =>
            (deps.heldGroup(groupId)?.shelfFiles() ?? [])
              .filter((f) => !f.removed)
              .map((f) => f.blobId),
        },
        input,
      ),
    'backup.restore': async (input) => {
      if (deps.restoreInPlace === undefined) {
        throw new HearthError(
          'BAD_INPUT',
          'This peer cannot replace itself; stop it and run "hearth restore FILE --data-dir DIR" into an empty folder.',
        )
      }
      if (deps.store.listGroups().length > 0) {
        throw new HearthError(
          'DATA_DIR_NOT_EMPTY',
          'This device already holds groups, so a backup cannot replace it; restore into a new, empty data folder instead (nothing was changed).',
        )
      }
      return deps.restoreInPlace(input)
    },
    'bundle.export': (input) => {
      const replica = deps.memberGroup(input.group)
      return exportBundle(
        {
          replica,
          markers: deps.readMarkers(replica.groupId),
          blobs: deps.blobs,
          self: deps.self,
          now: deps.now,
        },
        input,
      )
    },
    'bundle.import': (input) =>
      importBundle(
        {
          privateKeyRaw: deps.privateKey.raw,
          group: (groupId) => {
            if (deps.heldGroup(groupId)?.hasGenesis() !== true) {
              throw new HearthError(
                'GROUP_NOT_FOUND',
                'This bundle is for a group this device is not in; join the group first.',
              )
            }
            return deps.memberGroup(groupId)
          },
          blobs: deps.blobs,
          origin: BUNDLE_ORIGIN,
          shelfChanged: deps.shelfChanged,
          takeMarkers: deps.takeMarkers,
        },
        input.path,
      ),
  }
}
