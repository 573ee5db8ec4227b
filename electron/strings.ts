// The few words the main process shows itself (native dialogs, tray, notifications), in the
// languages the UI speaks. The OS locale picks one; everything inside the window is the UI's.

export interface Strings {
  openLinkTitle: string
  openLinkMessage: string
  open: string
  cancel: string
  showWindow: string
  quit: string
  tooltip(unread: number): string
  newMessages(count: number): string
  peerRestarting: string
  peerFailed: string
  alreadyRunning: string
}

const en: Strings = {
  openLinkTitle: 'Open link',
  openLinkMessage: 'Open this address in your web browser?',
  open: 'Open',
  cancel: 'Cancel',
  showWindow: 'Show Hearth',
  quit: 'Quit Hearth',
  tooltip: (unread) => (unread === 0 ? 'Hearth' : `Hearth — ${unread} unread`),
  newMessages: (count) => `${count} new messages`,
  peerRestarting: 'Hearth stopped unexpectedly and is restarting…',
  peerFailed: 'Hearth could not start. Open the window to try again.',
  alreadyRunning:
    'Hearth is already running from this folder. Use the window that is open, or quit it first.',
}

const ko: Strings = {
  openLinkTitle: '링크 열기',
  openLinkMessage: '이 주소를 웹 브라우저에서 열까요?',
  open: '열기',
  cancel: '취소',
  showWindow: 'Hearth 보기',
  quit: 'Hearth 종료',
  tooltip: (unread) => (unread === 0 ? 'Hearth' : `Hearth — 읽지 않음 ${unread}개`),
  newMessages: (count) => `새 메시지 ${count}개`,
  peerRestarting: 'Hearth가 예기치 않게 멈춰 다시 시작하는 중입니다…',
  peerFailed: 'Hearth를 시작하지 못했습니다. 창을 열어 다시 시도하세요.',
  alreadyRunning: '이 폴더의 Hearth가 이미 실행 중입니다. 열려 있는 창을 쓰거나 먼저 종료하세요.',
}

/** Korean for a Korean OS locale (ko, ko-KR…), English otherwise. */
export function stringsFor(locale: string): Strings {
  return /^ko(?:[-_]|$)/i.test(locale) ? ko : en
}
