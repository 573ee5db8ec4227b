// English: the reference dictionary. Its shape is the type every other language must fill in.
import type { ErrorCode, StorageProblem } from '../../shared/api/index.ts'
import type { Fmt } from './format.ts'

export function en(f: Fmt) {
  const n = f.number
  return {
    languageName: 'English',
    appName: 'Hearth',
    connecting: 'Connecting to Hearth…',
    noToken: 'This page needs the address that Hearth printed, which includes its key.',
    refused: 'Hearth is not answering. Check that it is still running, then try again.',
    tryAgain: 'Try again',
    connectionLost: 'The connection to Hearth was lost.',
    reconnect: 'Reconnect',
    storageProblem: {
      'disk-full':
        'The disk with your Hearth data is full, so nothing new is saved or sent. Free some space and Hearth carries on by itself.',
      'read-only':
        'Your Hearth data folder cannot be written right now (read-only), so nothing new is saved or sent until it can.',
      missing:
        'Your Hearth data folder is gone (was the USB stick pulled out?). Put it back and Hearth carries on by itself.',
      failed:
        'Hearth cannot write to its data folder right now, so nothing new is saved or sent. It keeps trying.',
    } satisfies Record<StorageProblem, string>,

    welcomeTitle: 'Welcome to Hearth',
    welcomeText: 'Chat with the people around you, on your own network, with no server.',
    yourName: 'Your name',
    yourNameHint: 'This is how others in your groups will see you.',
    continueLabel: 'Continue',

    groups: 'Groups',
    newGroup: 'New group',
    joinGroup: 'Join a group',
    settings: 'Settings',
    noGroups: 'No groups yet. Create one, or join with an invite or a code.',
    noMessagesYet: 'No messages yet',
    lastMessage: (name: string, text: string) => `${name}: ${text}`,
    unreadCount: (count: number) =>
      count === 1 ? '1 unread message' : `${n(count)} unread messages`,
    chooseGroup: 'Choose a group on the left, or create a new one.',
    emptyChat: 'No messages yet. Say hello!',
    emptyChatAlone: 'Only you are here so far. Invite people to start chatting.',

    groupName: 'Group name',
    create: 'Create',
    cancel: 'Cancel',
    close: 'Close',
    save: 'Save',
    inviteOrCode: 'Invite or code',
    joinHint: 'Paste the long invite, or type the short code someone read to you.',
    join: 'Join',
    joining: 'Joining… this can take a moment while Hearth finds a member.',
    working: 'Working…',

    members: 'Members',
    memberCount: (count: number) => (count === 1 ? '1 member' : `${n(count)} members`),
    invitePeople: 'Invite people',
    invite: 'Invite',
    leaveGroup: 'Leave group',
    leaveTitle: (group: string) => `Leave “${group}”?`,
    leaveText: 'You will stop receiving its messages. To come back you need a new invite.',
    leave: 'Leave',

    messages: 'Messages',
    loadEarlier: 'Load earlier messages',
    loading: 'Loading…',
    loadFailed: 'The messages could not be loaded.',
    newMessages: 'New messages',
    jumpToUnread: 'Jump to first unread',
    jumpToLatest: 'Jump to latest',
    edited: '(edited)',
    deletedMessage: 'This message was deleted.',
    unverified: 'Unverified',
    unverifiedHint: 'Hearth cannot confirm yet that the author was a member when this was written.',
    reply: 'Reply',
    react: 'Add reaction',
    edit: 'Edit',
    delete: 'Delete',
    messageActions: 'Message actions',
    reactionLabel: (emoji: string, count: number, mine: boolean) =>
      `${emoji} ${n(count)}${mine ? ', including you. Select to remove yours' : '. Select to add yours'}`,
    replyingTo: (name: string) => `Replying to ${name}`,
    originalMissing: 'The original message is not loaded.',
    sending: 'Sending…',
    saved: 'Saved',
    seenBy: (seen: number, of: number) => `Seen by ${n(seen)} of ${n(of)}`,
    notSent: 'Not sent',
    retry: 'Retry',
    discard: 'Discard',
    you: 'You',
    unknownAuthor: 'Someone',

    messageLabel: 'Message',
    composerPlaceholder: 'Write a message',
    composerHint: 'Enter sends, Shift+Enter starts a new line',
    send: 'Send',
    editingMessage: 'Editing your message',
    cancelReply: 'Cancel reply',

    openLinkTitle: 'Open this link?',
    openLinkText: 'It will open in your web browser. Only open links you trust:',
    open: 'Open',
    deleteTitle: 'Delete this message?',
    deleteText: 'Everyone in the group will see that a message was deleted.',

    inviteTitle: (group: string) => `Invite people to “${group}”`,
    shortCode: 'Code to read aloud',
    shortCodeHint: 'For someone on the same network. It works once.',
    expiresIn: (time: string) => `Expires in ${time}`,
    codeExpired: 'This code has expired.',
    newCode: 'New code',
    longInvite: 'Invite to send',
    inviteScanHint:
      'Scan the QR code with the other device, or copy the invite and send it by e-mail or chat.',
    inviteQr: 'QR code of the invite',
    inviteValidUntil: (until: string) => `Valid until ${until}`,
    inviteUses: (uses: number) => `Up to ${n(uses)} people can join with it`,
    copy: 'Copy',
    copied: 'Copied',
    copyFailed: 'Copying did not work; select the text and copy it yourself.',

    online: 'Online',
    offline: 'Offline',
    admin: 'Admin',
    member: 'Member',
    connectedVia: (addr: string) => `Connected via ${addr}`,
    lastSeen: (when: string) => `Last seen ${when}`,
    makeAdmin: 'Make admin',
    removeMember: 'Remove',
    removeTitle: (name: string) => `Remove ${name} from the group?`,
    removeText: 'They will no longer receive new messages from this group.',
    nearbyDevices: (count: number) =>
      count === 0
        ? 'No other Hearth devices nearby'
        : count === 1
          ? '1 other Hearth device nearby'
          : `${n(count)} other Hearth devices nearby`,

    statusNoNetwork: 'Offline — no network',
    statusReachable: (reachable: number, total: number) =>
      `${n(reachable)} of ${n(total)} members reachable`,
    statusAlone: 'Only you are in this group so far',
    statusPeers: (count: number) =>
      count === 1 ? 'Connected to 1 peer' : `Connected to ${n(count)} peers`,
    statusCatchingUp: (updates: number) =>
      updates === 0
        ? 'Catching up…'
        : updates === 1
          ? 'Catching up (1 update)'
          : `Catching up (${n(updates)} updates)`,

    hostRestarting: (seconds: number | null) =>
      seconds === null
        ? 'Hearth’s background service stopped unexpectedly and is restarting…'
        : `Hearth’s background service stopped unexpectedly. Restarting in ${n(seconds)} s…`,
    hostRunningAgain: 'Hearth is running again.',
    hostFailed: 'Hearth’s background service could not be restarted.',
    hostStopping: 'Hearth is shutting down…',
    dismiss: 'Dismiss',

    language: 'Language',
    displayName: 'Display name',
    about: 'About',
    aboutText: 'Hearth is a messenger for your local network. Your messages stay on your devices.',
    deviceId: 'This device',
    version: (version: string) => `Version ${version}`,
    dataFolder: 'Data folder',
    dataFolderHint: 'Your groups, messages and this device’s key are kept here.',
    dataInMemory: 'This Hearth keeps everything in memory: nothing is saved when it stops.',
    nameSaved: 'Name saved',

    backupSection: 'Backup',
    backupSectionHint:
      'Keep a copy of this device’s identity and groups elsewhere, so a lost or broken device loses nothing.',
    backUp: 'Back up…',
    backupTitle: 'Back up this device',
    backupText:
      'One file with your identity, your groups and their messages. Save it somewhere other than this device, for example on a USB stick.',
    backupPassphrase: 'Backup passphrase',
    backupPassphraseHint: (min: number) =>
      `At least ${n(min)} characters. Without it nobody can open the backup, not even you: write it down somewhere safe.`,
    passphraseAgain: 'Type the passphrase again',
    passphraseTooShort: (min: number) => `Use at least ${n(min)} characters.`,
    passphrasesDiffer: 'The two passphrases are not the same.',
    backupIncludeFiles: 'Include the shelf files kept on this device',
    backupSave: 'Save backup',
    backupSaved: (path: string, size: string) => `Backup saved to ${path} (${size}).`,
    backupKeepPassphrase: 'Keep the passphrase safe: the backup cannot be opened without it.',
    restoreFromBackup: 'Restore from a backup',
    restoreTitle: 'Restore from a backup',
    restoreText:
      'Brings back your identity, groups and messages from a backup file. It replaces the new, unused identity of this device; Hearth then starts again as the restored device and catches up when it meets the others.',
    restore: 'Restore',
    restoring: 'Restoring… a large backup can take a while.',
    carryFile: 'File',
    noFileChosen: 'No file chosen',
    chooseFile: 'Choose…',
    pathExampleSave: (name: string) => `/home/you/${name}`,
    pathExampleOpen: '/media/usb/hearth-backup.hearth-backup',
    pathOnPeerHint: 'The full path of the file on the computer where Hearth runs.',
    pathMustBeFull: 'Give the full path, starting with / (or a drive letter such as C:\\).',
    groupMenu: 'More',
    saveForCarrying: 'Save for carrying…',
    importBundle: 'Import a carried bundle…',
    carryTitle: (group: string) => `Save “${group}” for carrying`,
    carryText:
      'Saves this group’s messages and files to one file you can carry, for example on a USB stick, to members on another network. Importing it there is like your devices meeting.',
    carryWho: 'Only people who are members of the group now can open the file.',
    carryFiles: 'Shelf files',
    carryAllFiles: 'All files kept on this device',
    carryNoFiles: 'No files, only messages',
    carryFilesUpTo: (size: string) => `Files up to ${size}`,
    carrySaved: (path: string, files: number, size: string) =>
      `Saved to ${path}: ${files === 1 ? '1 file' : `${n(files)} files`}, ${size} in all.`,
    carrySkipped: (count: number) =>
      count === 1
        ? '1 file was left out (too large, or not on this device).'
        : `${n(count)} files were left out (too large, or not on this device).`,
    importTitle: 'Import a carried bundle',
    importText:
      'Merges a bundle that a member saved on another network, as if your devices had met.',
    importAction: 'Import',
    importedNothing: (group: string) =>
      `Nothing new for “${group}”: this device already had everything in the bundle.`,
    imported: (group: string, files: number) =>
      files === 0
        ? `Merged into “${group}”.`
        : `Merged into “${group}”; ${files === 1 ? '1 file arrived' : `${n(files)} files arrived`}.`,
    tabChat: 'Chat',
    tabShelf: 'Shelf',
    groupViews: 'Chat and shelf',

    shelfTop: 'Shelf',
    shelfPath: 'Folder',
    addFiles: 'Add files',
    newFolder: 'New folder',
    folderName: 'Folder name',
    newFolderHint: 'The folder is kept once a file is in it.',
    storage: 'Storage',
    dropHereTop: 'Drop files to put them on the shelf',
    dropHere: (folder: string) => `Drop files to put them in ${folder}`,
    emptyShelf: 'Nothing on the shelf yet. Drag files here, or use Add files.',
    emptyFolder: 'This folder is empty. Drag files here to add them.',
    folderFiles: (count: number) => (count === 1 ? '1 file' : `${n(count)} files`),
    addedByOn: (name: string, when: string) => `Added by ${name}, ${when}`,
    versions: (count: number) => `${n(count)} versions`,
    versionsTitle: (name: string) => `Versions of “${name}”`,
    showRemoved: (count: number) =>
      count === 1 ? 'Show 1 removed file' : `Show ${n(count)} removed files`,
    hideRemoved: 'Hide removed files',
    removedFile: 'Removed',
    restoreFile: 'Restore',
    remove: 'Remove',
    renameMove: 'Rename or move',
    moveTitle: (name: string) => `Rename or move “${name}”`,
    fileNameLabel: 'Name',
    folderLabel: 'Folder',
    folderHint: 'Leave it empty for the top of the shelf; put / between folders, like Photos/2026.',
    invalidFileName: 'A name cannot be empty, “.” or “..”, or contain / or \\.',
    invalidFolder: 'Each part of a folder needs a name like a file name.',
    removeFileTitle: (name: string) => `Remove “${name}” from the shelf?`,
    removeFileText:
      'Everyone will see it as removed. It can be restored while someone still keeps a copy.',

    onThisDevice: 'On this device',
    notOnThisDevice: 'Not on this device',
    savedTo: (path: string) => `saved to ${path}`,
    download: 'Download',
    downloading: 'Downloading',
    cancelDownload: 'Cancel',
    saveAs: 'Save as…',
    showInFolder: 'Show in folder',
    keepCopy: 'Keep a local copy',
    keepFolder: 'Keep everything in this folder on this device',
    keptBySize: (limit: string) => `Kept because it is no larger than ${limit}`,
    notKeptBySize: (limit: string) => `Larger than ${limit}: downloaded only when asked for`,
    keptByYou: 'You chose to keep it here',
    notKeptByYou: 'You chose not to keep it here; its copy may be freed',
    keptWithFolder: 'Kept as its folder says',
    availNowhere: 'No member has a full copy right now',
    availOnlyHere: 'Only on this device',
    availOnly: (name: string, online: boolean) =>
      `Only on ${name}’s device — ${online ? 'online' : 'offline'}`,
    availMany: (count: number, online: number, here: boolean) =>
      `On ${n(count)} members’ devices${online > 0 ? `, ${n(online)} online now` : here ? '' : ', none online now'}`,
    transferQueued: 'Waiting for its turn…',
    transferWaitingFor: (names: string[]) =>
      `Waiting for ${names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`} to come online`,
    transferWaitingAnyone: 'Waiting for a member who has it to come online',
    transferFailed: (why: string) => `The download failed${why === '' ? '' : `: ${why}`}`,
    progressLine: (done: string, total: string) => `${done} of ${total}`,
    etaLeft: (time: string) => `about ${time} left`,
    uploading: 'Uploading',
    dismissUpload: 'Dismiss',
    executableTitle: 'This file can run programs',
    executableText: (name: string, who: string) =>
      `“${name}” is a program, a script or a web page. Opening it can harm this computer. Save it only if you trust ${who} and expected this file. Hearth never opens files itself.`,
    saveAnyway: 'Save anyway',
    thumbnailOf: (name: string) => `Picture of ${name}`,

    storageTitle: 'Storage on this device',
    storageTotal: (bytes: string) => `Shelves take ${bytes} on this device.`,
    storageGroup: (files: number, bytes: string) =>
      `${files === 1 ? '1 file' : `${n(files)} files`}, ${bytes}`,
    storageFreeable: (bytes: string) =>
      `${bytes} can be freed: removed files and copies nobody asked to keep here.`,
    nothingToFree: 'Nothing to free: every copy here is one this device keeps.',
    freeUp: 'Free up space',
    freed: (bytes: string) => `Freed ${bytes}.`,
    autoDownload: 'Download on its own',
    autoDownloadHint:
      'Files of this group up to this size come to this device by themselves. Larger ones come when you download them or keep them.',
    autoNever: 'Nothing',
    autoUpTo: (size: string) => `Files up to ${size}`,
    autoAll: 'Every file',

    attachFiles: 'Attach files',
    removeAttachment: (name: string) => `Remove ${name}`,
    attachmentMissing: 'This file has not reached this device’s shelf yet.',
    tooManyAttachments: 'A message can carry at most 10 files.',

    unlockTitle: 'Hearth is locked',
    unlockText: 'Enter your passphrase to open your groups and messages.',
    passphrase: 'Passphrase',
    unlock: 'Unlock',
    unlocking: 'Unlocking…',
    showPassphrase: 'Show what I type',
    currentPassphrase: 'Current passphrase',
    newPassphrase: 'New passphrase',
    repeatPassphrase: 'The same passphrase again',
    passphraseHint: (min: number) =>
      `A few words you will remember, at least ${n(min)} characters. Spaces count.`,
    forgetWarning:
      'If you forget the passphrase, nobody can recover your data. Write it down and keep it somewhere safe.',
    encryption: 'Encryption',
    encryptionOn: 'Everything Hearth keeps on this device is encrypted with your passphrase.',
    encryptionOff:
      'What Hearth keeps on this device is not encrypted. With a passphrase, nobody who gets hold of its files can read them.',
    turnOnEncryption: 'Turn on encryption',
    changePassphrase: 'Change passphrase',
    encrypting: 'Encrypting your data. Hearth restarts for a moment…',
    encryptionTurnedOn: 'Encryption is on.',
    passphraseChanged: 'The passphrase is changed.',
    portableTitle: 'Protect this drive with a passphrase',
    portableText:
      'Hearth runs from a portable drive. If the drive is lost, a passphrase keeps your messages and files unreadable.',
    notNow: 'Not now',

    errorPrefix: 'That did not work:',
    errors: {
      BAD_INPUT: 'Something in the form is not right.',
      UNKNOWN_COMMAND: 'This version of Hearth does not know that action.',
      UNAUTHORIZED: 'Hearth refused the request.',
      GROUP_NOT_FOUND: 'That group does not exist here.',
      GROUP_AMBIGUOUS: 'More than one group has that name.',
      NOT_A_MEMBER: 'You are no longer a member of this group.',
      NOT_AN_ADMIN: 'Only an admin of the group can do that.',
      MEMBER_NOT_FOUND: 'That person is not a member of the group.',
      MESSAGE_NOT_FOUND: 'That message no longer exists.',
      NOT_THE_AUTHOR: 'Only the author can change that message.',
      FILE_NOT_FOUND: 'That file cannot be found.',
      FILE_EXISTS: 'A file with that name is already there.',
      FILE_NOT_HERE: 'That file is not on this device yet. Download it first.',
      INVITE_INVALID: 'This invite is not valid. Ask for a new one.',
      INVITE_EXPIRED: 'This invite has expired. Ask for a new one.',
      INVITE_USED_UP: 'This invite has been used up. Ask for a new one.',
      CODE_INVALID: 'Nobody nearby has this code. Check it and try again.',
      CODE_EXPIRED: 'This code has expired. Ask for a new one.',
      NO_MEMBER_REACHABLE: 'No member of the group can be reached right now. Try again later.',
      TOO_LARGE: 'That is too large to send.',
      RATE_LIMITED: 'Too many attempts. Wait a moment, then try again.',
      STORAGE_FAILED: 'Hearth could not save this: its data folder is full, read-only or gone.',
      LOCKED: 'Hearth is locked. Enter your passphrase first.',
      VAULT_DAMAGED:
        'The encryption header of this data folder is damaged, so it cannot be unlocked.',
      PEER_STOPPED: 'Hearth has stopped.',
      TIMEOUT: 'Hearth took too long to answer.',
      WRONG_PASSPHRASE: 'The passphrase is not right. Check it and try again.',
      DAMAGED_FILE: 'The file is damaged or incomplete. Nothing was changed.',
      NOT_A_RECIPIENT:
        'This device cannot open the file: only members of the group when it was saved can.',
      DATA_DIR_NOT_EMPTY:
        'A backup can only be restored on a device that has no groups yet. Nothing was changed.',
      CANCELLED: 'It was cancelled.',
      INTERNAL: 'Something went wrong inside Hearth.',
    } satisfies Record<ErrorCode, string>,
  }
}

export type Messages = ReturnType<typeof en>
