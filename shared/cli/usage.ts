// Usage errors are distinct from failures: scripts rely on exit code 2 meaning "you called me wrong".
export class UsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

/** Thrown when no peer runs on the data folder: exit code 3. */
export class NoPeerError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'NoPeerError'
  }
}

export const USAGE = `Usage: hearth <command> [options]

Run a peer:
  hearth serve [--data-dir DIR] [--portable] [--name NAME] [--listen MULTIADDR]...
               [--peer MULTIADDR]... [--no-mdns] [--web [HOST:]PORT] [--passphrase-fd N]
      On an encrypted data folder the passphrase comes from --passphrase-fd N, HEARTH_PASSPHRASE
      or a prompt on the terminal; with none of them the peer starts locked (unlock it in the
      web UI or with "hearth vault unlock").

Talk to the peer running on DIR:
  hearth group create NAME                      create a group (you are its admin)
  hearth group invite GROUP [--uses N] [--expires DURATION]
                                                a long invite code (DURATION: 30m, 12h, 7d)
  hearth group code GROUP                       a short code to read aloud (same LAN, 10 minutes)
  hearth group join INVITE|CODE                 join with an invite or a short code
  hearth group remove GROUP PEERID              remove a member (admins)
  hearth group promote GROUP PEERID             make a member an admin (admins)
  hearth group leave GROUP                      leave a group
  hearth groups                                 your groups and their members
  hearth send GROUP TEXT [--reply-to ID]        send a message
  hearth messages GROUP [--limit N]             the latest messages
  hearth edit GROUP ID TEXT                     edit your message
  hearth delete GROUP ID                        delete a message (yours, or any as admin)
  hearth react GROUP ID EMOJI [--off]           react to a message (--off takes it back)
  hearth shelf add GROUP FILE [--name NAME] [--folder PATH]
                                                put a file on the group's shelf
  hearth shelf ls GROUP                         the files on the shelf, all versions
  hearth shelf get GROUP FILEID --out PATH      fetch (if needed), verify and save a file; waits
                                                for a member who has it to come online
  hearth shelf rm GROUP FILEID                  remove a file (whoever added it, or an admin)
  hearth shelf mv GROUP FILEID [--name NAME] [--folder PATH]
                                                rename or move a file
  hearth shelf policy GROUP [--auto-download-max SIZE]
                                                what this device fetches on its own (default:
                                                files up to 50M; 0: nothing)
  hearth backup FILE [--files] [--replace] [--passphrase-fd N]
                                                an encrypted backup of this device (--files: with
                                                the shelf files it holds)
  hearth restore FILE [--passphrase-fd N]       restore a backup into DIR (empty, no peer running;
                                                or a peer on DIR that holds no group yet)
  hearth bundle export GROUP FILE [--max-file-size SIZE] [--replace]
                                                a group's updates and shelf files on a stick, for
                                                its members in another network (SIZE: 50M, 1G)
  hearth bundle import FILE                     merge a carried bundle, as if its devices had met
  hearth peers                                  members' devices and whether they are connected
  hearth name [NAME]                            show or change your display name
  hearth status                                 this peer's id, addresses and counts
  hearth vault status                           whether the data folder is encrypted or locked
  hearth vault enable [--passphrase-fd N]       encrypt the data folder with a new passphrase
  hearth vault unlock [--passphrase-fd N]       unlock a peer that waits for its passphrase
  hearth vault passphrase [--passphrase-fd N] [--new-passphrase-fd M]
                                                change the passphrase (HEARTH_PASSPHRASE and
                                                HEARTH_NEW_PASSPHRASE, or prompts)

Options for every command:
  --data-dir DIR   the data folder (default: HEARTH_DATA_DIR or the platform's user data folder)
  --portable       keep everything in HearthData beside the program and nothing on this
                   computer (the default when a file hearth-portable or a folder HearthData
                   is there already)
  --json           machine-readable output
  --help           this text

GROUP is a group id or an unambiguous group name. A backup's passphrase is read from
--passphrase-fd N, else HEARTH_BACKUP_PASSPHRASE, else asked for on the terminal.
Exit codes: 0 ok, 1 failed, 2 bad usage, 3 no peer running on DIR.`
