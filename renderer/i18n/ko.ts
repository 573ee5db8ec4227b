// 한국어. The type keeps it complete: a key missing here is a compile error.
import type { Messages } from './en.ts'
import type { Fmt } from './format.ts'

export function ko(f: Fmt): Messages {
  const n = f.number
  return {
    languageName: '한국어',
    appName: 'Hearth',
    connecting: 'Hearth에 연결하는 중…',
    noToken: '이 페이지는 Hearth가 알려 준 주소(키 포함)로 열어야 합니다.',
    refused: 'Hearth가 응답하지 않습니다. 실행 중인지 확인한 뒤 다시 시도하세요.',
    tryAgain: '다시 시도',
    connectionLost: 'Hearth와의 연결이 끊어졌습니다.',
    reconnect: '다시 연결',
    storageProblem: {
      'disk-full':
        'Hearth 데이터가 있는 디스크가 가득 차서 새 내용을 저장하거나 보내지 못합니다. 공간을 비우면 Hearth가 알아서 이어 갑니다.',
      'read-only':
        'Hearth 데이터 폴더에 지금 쓸 수 없어서(읽기 전용) 다시 쓸 수 있을 때까지 새 내용을 저장하거나 보내지 못합니다.',
      missing:
        'Hearth 데이터 폴더가 사라졌습니다(USB 메모리를 뽑았나요?). 다시 꽂으면 Hearth가 알아서 이어 갑니다.',
      failed:
        'Hearth가 지금 데이터 폴더에 쓸 수 없어서 새 내용을 저장하거나 보내지 못합니다. 계속 다시 시도합니다.',
    },

    welcomeTitle: 'Hearth에 오신 것을 환영합니다',
    welcomeText: '서버 없이, 내 네트워크에서 주변 사람들과 대화하세요.',
    yourName: '내 이름',
    yourNameHint: '그룹의 다른 사람들에게 이 이름으로 보입니다.',
    continueLabel: '계속',

    groups: '그룹',
    newGroup: '새 그룹',
    joinGroup: '그룹 참여',
    settings: '설정',
    noGroups: '아직 그룹이 없습니다. 새로 만들거나 초대장이나 코드로 참여하세요.',
    noMessagesYet: '아직 메시지가 없습니다',
    lastMessage: (name: string, text: string) => `${name}: ${text}`,
    unreadCount: (count: number) => `읽지 않은 메시지 ${n(count)}개`,
    chooseGroup: '왼쪽에서 그룹을 고르거나 새 그룹을 만드세요.',
    emptyChat: '아직 메시지가 없습니다. 먼저 인사해 보세요!',
    emptyChatAlone: '아직 나만 있습니다. 사람들을 초대해 대화를 시작하세요.',

    groupName: '그룹 이름',
    create: '만들기',
    cancel: '취소',
    close: '닫기',
    save: '저장',
    inviteOrCode: '초대장 또는 코드',
    joinHint: '긴 초대장을 붙여 넣거나, 누군가 읽어 준 짧은 코드를 입력하세요.',
    join: '참여',
    joining: '참여하는 중… 멤버를 찾는 데 잠시 걸릴 수 있습니다.',
    working: '처리하는 중…',

    members: '멤버',
    memberCount: (count: number) => `멤버 ${n(count)}명`,
    invitePeople: '사람들 초대하기',
    invite: '초대',
    leaveGroup: '그룹 나가기',
    leaveTitle: (group: string) => `“${group}” 그룹에서 나갈까요?`,
    leaveText: '더 이상 메시지를 받지 않습니다. 다시 들어오려면 새 초대장이 필요합니다.',
    leave: '나가기',

    messages: '메시지',
    loadEarlier: '이전 메시지 불러오기',
    loading: '불러오는 중…',
    loadFailed: '메시지를 불러오지 못했습니다.',
    newMessages: '새 메시지',
    jumpToUnread: '처음 읽지 않은 메시지로',
    jumpToLatest: '최신 메시지로',
    edited: '(수정됨)',
    deletedMessage: '삭제된 메시지입니다.',
    unverified: '확인되지 않음',
    unverifiedHint: '작성 당시 작성자가 멤버였는지 아직 확인하지 못했습니다.',
    reply: '답장',
    react: '반응 추가',
    edit: '수정',
    delete: '삭제',
    messageActions: '메시지 작업',
    reactionLabel: (emoji: string, count: number, mine: boolean) =>
      `${emoji} ${n(count)}${mine ? ', 나도 포함. 선택하면 내 반응을 취소합니다' : '. 선택하면 반응을 추가합니다'}`,
    replyingTo: (name: string) => `${name}님에게 답장`,
    originalMissing: '원래 메시지를 불러오지 않았습니다.',
    sending: '보내는 중…',
    saved: '저장됨',
    seenBy: (seen: number, of: number) => `${n(of)}명 중 ${n(seen)}명이 읽음`,
    notSent: '보내지 못함',
    retry: '다시 보내기',
    discard: '버리기',
    you: '나',
    unknownAuthor: '누군가',

    messageLabel: '메시지',
    composerPlaceholder: '메시지 입력',
    composerHint: 'Enter로 보내기, Shift+Enter로 줄 바꾸기',
    send: '보내기',
    editingMessage: '내 메시지 수정 중',
    cancelReply: '답장 취소',

    openLinkTitle: '이 링크를 열까요?',
    openLinkText: '웹 브라우저에서 열립니다. 믿을 수 있는 링크만 여세요:',
    open: '열기',
    deleteTitle: '이 메시지를 삭제할까요?',
    deleteText: '그룹의 모든 사람에게 메시지가 삭제되었다고 표시됩니다.',

    inviteTitle: (group: string) => `“${group}” 그룹에 초대하기`,
    shortCode: '읽어 줄 코드',
    shortCodeHint: '같은 네트워크에 있는 사람용입니다. 한 번만 쓸 수 있습니다.',
    expiresIn: (time: string) => `${time} 후 만료`,
    codeExpired: '이 코드는 만료되었습니다.',
    newCode: '새 코드',
    longInvite: '보낼 초대장',
    inviteScanHint:
      '다른 기기로 QR 코드를 스캔하거나, 초대장을 복사해 이메일이나 메신저로 보내세요.',
    inviteQr: '초대장 QR 코드',
    inviteValidUntil: (until: string) => `${until}까지 유효`,
    inviteUses: (uses: number) => `최대 ${n(uses)}명 참여 가능`,
    copy: '복사',
    copied: '복사됨',
    copyFailed: '복사하지 못했습니다. 글자를 선택해서 직접 복사하세요.',

    online: '온라인',
    offline: '오프라인',
    admin: '관리자',
    member: '멤버',
    connectedVia: (addr: string) => `${addr}로 연결됨`,
    lastSeen: (when: string) => `마지막 접속: ${when}`,
    makeAdmin: '관리자로 지정',
    removeMember: '내보내기',
    removeTitle: (name: string) => `${name}님을 그룹에서 내보낼까요?`,
    removeText: '이 그룹의 새 메시지를 더 이상 받지 않습니다.',
    nearbyDevices: (count: number) =>
      count === 0 ? '근처에 다른 Hearth 기기가 없습니다' : `근처에 다른 Hearth 기기 ${n(count)}대`,

    statusNoNetwork: '오프라인 — 네트워크 없음',
    statusReachable: (reachable: number, total: number) =>
      `멤버 ${n(total)}명 중 ${n(reachable)}명 연결 가능`,
    statusAlone: '아직 이 그룹에는 나만 있습니다',
    statusPeers: (count: number) => `피어 ${n(count)}개와 연결됨`,
    statusCatchingUp: (updates: number) =>
      updates === 0 ? '동기화 중…' : `동기화 중 (업데이트 ${n(updates)}개)`,

    hostRestarting: (seconds: number | null) =>
      seconds === null
        ? 'Hearth 백그라운드 서비스가 예기치 않게 멈춰 다시 시작하는 중입니다…'
        : `Hearth 백그라운드 서비스가 예기치 않게 멈췄습니다. ${n(seconds)}초 후 다시 시작합니다…`,
    hostRunningAgain: 'Hearth가 다시 실행 중입니다.',
    hostFailed: 'Hearth 백그라운드 서비스를 다시 시작하지 못했습니다.',
    hostStopping: 'Hearth를 종료하는 중…',
    dismiss: '알림 닫기',

    language: '언어',
    displayName: '표시 이름',
    about: '정보',
    aboutText: 'Hearth는 내 네트워크를 위한 메신저입니다. 메시지는 내 기기에만 저장됩니다.',
    deviceId: '이 기기',
    version: (version: string) => `버전 ${version}`,
    dataFolder: '데이터 폴더',
    dataFolderHint: '그룹, 메시지와 이 기기의 키가 여기에 저장됩니다.',
    dataInMemory: '이 Hearth는 모든 것을 메모리에만 둡니다. 멈추면 아무것도 저장되지 않습니다.',
    nameSaved: '이름을 저장했습니다',

    backupSection: '백업',
    backupSectionHint:
      '이 기기의 신원과 그룹을 다른 곳에 복사해 두면, 기기를 잃어버리거나 고장 나도 아무것도 잃지 않습니다.',
    backUp: '백업…',
    backupTitle: '이 기기 백업',
    backupText:
      '신원, 그룹, 메시지를 파일 하나에 담습니다. 이 기기가 아닌 다른 곳(예: USB 메모리)에 저장하세요.',
    backupPassphrase: '백업 암호',
    backupPassphraseHint: (min: number) =>
      `${n(min)}자 이상. 암호가 없으면 누구도, 본인도 백업을 열 수 없으니 안전한 곳에 적어 두세요.`,
    passphraseAgain: '암호를 한 번 더 입력하세요',
    passphraseTooShort: (min: number) => `${n(min)}자 이상으로 정하세요.`,
    passphrasesDiffer: '두 암호가 같지 않습니다.',
    backupIncludeFiles: '이 기기에 있는 선반 파일도 포함',
    backupSave: '백업 저장',
    backupSaved: (path: string, size: string) => `${path}에 백업을 저장했습니다 (${size}).`,
    backupKeepPassphrase: '암호를 잘 보관하세요. 암호 없이는 백업을 열 수 없습니다.',
    restoreFromBackup: '백업에서 복원',
    restoreTitle: '백업에서 복원',
    restoreText:
      '백업 파일에서 신원, 그룹, 메시지를 되살립니다. 이 기기의 새 신원(아직 쓰지 않은)을 대신하며, Hearth는 복원된 기기로 다시 시작하고 다른 사람들을 만나면 최신 내용을 받아옵니다.',
    restore: '복원',
    restoring: '복원하는 중… 백업이 크면 시간이 걸릴 수 있습니다.',
    carryFile: '파일',
    noFileChosen: '선택한 파일 없음',
    chooseFile: '선택…',
    pathExampleSave: (name: string) => `/home/you/${name}`,
    pathExampleOpen: '/media/usb/내-백업.hearth-backup',
    pathOnPeerHint: 'Hearth가 실행 중인 컴퓨터에서 파일의 전체 경로입니다.',
    pathMustBeFull: '/ (또는 C:\\ 같은 드라이브 문자)로 시작하는 전체 경로를 입력하세요.',
    groupMenu: '더 보기',
    saveForCarrying: '가져갈 파일로 저장…',
    importBundle: '가져온 파일 들여오기…',
    carryTitle: (group: string) => `“${group}”을(를) 가져갈 파일로 저장`,
    carryText:
      '이 그룹의 메시지와 파일을 파일 하나로 저장해, USB 메모리 등으로 다른 네트워크에 있는 멤버에게 가져갈 수 있습니다. 그곳에서 들여오면 기기끼리 만난 것과 같습니다.',
    carryWho: '지금 이 그룹의 멤버인 사람만 파일을 열 수 있습니다.',
    carryFiles: '선반 파일',
    carryAllFiles: '이 기기에 있는 모든 파일',
    carryNoFiles: '파일 없이 메시지만',
    carryFilesUpTo: (size: string) => `${size} 이하 파일`,
    carrySaved: (path: string, files: number, size: string) =>
      `${path}에 저장했습니다: 파일 ${n(files)}개, 모두 ${size}.`,
    carrySkipped: (count: number) =>
      `파일 ${n(count)}개는 빠졌습니다 (너무 크거나 이 기기에 없음).`,
    importTitle: '가져온 파일 들여오기',
    importText: '다른 네트워크의 멤버가 저장한 파일을, 기기끼리 만난 것처럼 합칩니다.',
    importAction: '들여오기',
    importedNothing: (group: string) =>
      `“${group}”에 새로운 내용이 없습니다. 이 기기에 이미 모두 있었습니다.`,
    imported: (group: string, files: number) =>
      files === 0
        ? `“${group}”에 합쳤습니다.`
        : `“${group}”에 합쳤습니다. 파일 ${n(files)}개가 들어왔습니다.`,

    errorPrefix: '실패했습니다:',
    errors: {
      BAD_INPUT: '입력한 내용에 문제가 있습니다.',
      UNKNOWN_COMMAND: '이 버전의 Hearth는 그 작업을 모릅니다.',
      UNAUTHORIZED: 'Hearth가 요청을 거부했습니다.',
      GROUP_NOT_FOUND: '그 그룹이 여기에 없습니다.',
      GROUP_AMBIGUOUS: '같은 이름의 그룹이 여러 개 있습니다.',
      NOT_A_MEMBER: '이 그룹의 멤버가 아닙니다.',
      NOT_AN_ADMIN: '그룹 관리자만 할 수 있습니다.',
      MEMBER_NOT_FOUND: '그 사람은 그룹 멤버가 아닙니다.',
      MESSAGE_NOT_FOUND: '그 메시지는 더 이상 없습니다.',
      NOT_THE_AUTHOR: '작성자만 그 메시지를 바꿀 수 있습니다.',
      FILE_NOT_FOUND: '그 파일은 공유함에 없습니다.',
      FILE_EXISTS: '같은 이름의 파일이 이미 있습니다.',
      FILE_NOT_HERE: '이 파일은 아직 이 기기에 없습니다. 먼저 내려받으세요.',
      INVITE_INVALID: '올바른 초대장이 아닙니다. 새 초대장을 요청하세요.',
      INVITE_EXPIRED: '만료된 초대장입니다. 새 초대장을 요청하세요.',
      INVITE_USED_UP: '사용 횟수를 다 쓴 초대장입니다. 새 초대장을 요청하세요.',
      CODE_INVALID: '근처에 이 코드를 가진 사람이 없습니다. 확인하고 다시 시도하세요.',
      CODE_EXPIRED: '만료된 코드입니다. 새 코드를 요청하세요.',
      NO_MEMBER_REACHABLE: '지금은 그룹 멤버에게 연결할 수 없습니다. 나중에 다시 시도하세요.',
      TOO_LARGE: '보내기에 너무 큽니다.',
      RATE_LIMITED: '시도가 너무 많습니다. 잠시 후 다시 시도하세요.',
      STORAGE_FAILED:
        '저장하지 못했습니다. 데이터 폴더가 가득 찼거나, 읽기 전용이거나, 사라졌습니다.',
      PEER_STOPPED: 'Hearth가 멈췄습니다.',
      TIMEOUT: 'Hearth의 응답이 너무 늦습니다.',
      WRONG_PASSPHRASE: '암호가 맞지 않습니다. 확인한 뒤 다시 시도하세요.',
      DAMAGED_FILE: '파일이 손상되었거나 완전하지 않습니다. 아무것도 바뀌지 않았습니다.',
      NOT_A_RECIPIENT:
        '이 기기로는 파일을 열 수 없습니다. 저장할 때 그룹 멤버였던 사람만 열 수 있습니다.',
      DATA_DIR_NOT_EMPTY:
        '백업은 아직 그룹이 없는 기기에서만 복원할 수 있습니다. 아무것도 바뀌지 않았습니다.',
      CANCELLED: '취소되었습니다.',
      INTERNAL: 'Hearth 내부에서 문제가 생겼습니다.',
    },
  }
}
