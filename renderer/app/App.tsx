// The main screen: groups on the left, the open chat in the middle, members on the right, and a
// status bar. Dialogs (create, join, invite, settings) open over it.
import { useCallback, useEffect, useState, type ReactNode } from 'react'
import { ChatView, type OpenAt } from '../features/chat/ChatView.tsx'
import { CreateGroupDialog } from '../features/groups/CreateGroupDialog.tsx'
import { GroupList } from '../features/groups/GroupList.tsx'
import { JoinGroupDialog } from '../features/groups/JoinGroupDialog.tsx'
import { InviteDialog } from '../features/invites/InviteDialog.tsx'
import { PeersPanel } from '../features/peers/PeersPanel.tsx'
import { ShelfView } from '../features/shelf/ShelfView.tsx'
import { FirstRun } from '../features/settings/FirstRun.tsx'
import { SettingsDialog } from '../features/settings/SettingsDialog.tsx'
import { StatusBar } from '../features/status/StatusBar.tsx'
import { StorageBanner } from '../features/status/StorageBanner.tsx'
import { useI18n } from '../i18n/index.tsx'
import { useDesktop } from '../platform/desktop-context.tsx'
import { Icon } from '../ui/Icon.tsx'
import type { Prefs } from '../state/session.ts'
import { useFileDropGuard } from '../features/shelf/drag.ts'
import { GroupTabs, type GroupTab } from './GroupTabs.tsx'
import { useSession, useSnapshot } from '../state/session-context.tsx'

type Overlay =
  | { kind: 'create' }
  | { kind: 'join' }
  | { kind: 'settings' }
  | { kind: 'invite'; groupId: string }
  | null

function onboardedKey(peerId: string): string {
  return `hearth.onboarded.${peerId}`
}

function usePageVisible(): boolean {
  const [visible, setVisible] = useState(() => document.visibilityState === 'visible')
  useEffect(() => {
    const update = () => setVisible(document.visibilityState === 'visible')
    document.addEventListener('visibilitychange', update)
    return () => document.removeEventListener('visibilitychange', update)
  }, [])
  return visible
}

function useWindowFocused(): boolean {
  const [focused, setFocused] = useState(() => document.hasFocus())
  useEffect(() => {
    const update = () => setFocused(document.hasFocus())
    window.addEventListener('focus', update)
    window.addEventListener('blur', update)
    return () => {
      window.removeEventListener('focus', update)
      window.removeEventListener('blur', update)
    }
  }, [])
  return focused
}

export function App(props: {
  prefs: Prefs
  onReconnect(): void
  /** What the desktop app says about its background process, when there is something to say. */
  banner?: ReactNode
}) {
  const { prefs } = props
  const { t } = useI18n()
  const session = useSession()
  const snapshot = useSnapshot()
  const [active, setActive] = useState<string | null>(null)
  const [overlay, setOverlay] = useState<Overlay>(null)
  const [showMembers, setShowMembers] = useState(true)
  const [tab, setTab] = useState<GroupTab>('chat')
  useFileDropGuard()
  const [onboarded, setOnboarded] = useState(
    () => prefs.get(onboardedKey(snapshot.identity.peerId)) === 'yes' || snapshot.groups.length > 0,
  )
  const [openAt, setOpenAt] = useState<OpenAt | null>(null)
  const visible = usePageVisible()
  const focused = useWindowFocused()
  const desktop = useDesktop()

  const activeGroup = snapshot.groups.find((g) => g.group.groupId === active)?.group
  const activeId = activeGroup?.groupId ?? null

  // What is on screen counts as read only while someone can be looking at it.
  useEffect(() => {
    session.view(activeId, visible && focused)
  }, [session, activeId, visible, focused])

  // The desktop app raises no notification for the group on screen.
  useEffect(() => {
    desktop?.setViewedGroup(activeId)
  }, [desktop, activeId])

  // A click on a notification: open its group there and show the message.
  useEffect(() => {
    if (desktop === undefined) return
    let n = 0
    return desktop.onOpenMessage(({ groupId, messageId }) => {
      setActive(groupId)
      setOverlay(null)
      setTab('chat')
      setOpenAt({ messageId, n: ++n })
    })
  }, [desktop])

  // The unread total in the tab title lets people see new messages from another tab.
  const unreadTotal = snapshot.groups.reduce((sum, g) => sum + g.unread, 0)
  useEffect(() => {
    document.title = unreadTotal > 0 ? `(${unreadTotal}) ${t.appName}` : t.appName
  }, [unreadTotal, t])

  const finishOnboarding = useCallback(() => {
    prefs.set(onboardedKey(session.me), 'yes')
    setOnboarded(true)
  }, [prefs, session])

  const selectGroup = useCallback((groupId: string) => {
    setActive(groupId)
    setOpenAt(null)
  }, [])
  const closeOverlay = useCallback(() => setOverlay(null), [])
  const openGroup = useCallback((groupId: string) => {
    setActive(groupId)
    setOverlay(null)
  }, [])

  if (!onboarded) return <FirstRun onDone={finishOnboarding} onRestored={props.onReconnect} />

  return (
    <div className="app">
      {props.banner}
      {props.banner == null &&
        (snapshot.connection === 'closed' ? (
          <div className="banner" role="alert">
            <span>{t.connectionLost}</span>
            <button type="button" onClick={props.onReconnect}>
              {t.reconnect}
            </button>
          </div>
        ) : (
          <StorageBanner />
        ))}
      <nav className="sidebar" aria-label={t.groups}>
        <div className="sidebar-header">
          <h1 className="app-name">
            <Icon name="flame" className="logo" />
            {t.appName}
          </h1>
          <button
            type="button"
            className="icon-button"
            onClick={() => setOverlay({ kind: 'settings' })}
            aria-label={t.settings}
            title={t.settings}
          >
            <Icon name="settings" />
          </button>
        </div>
        <div className="sidebar-actions">
          <button
            type="button"
            className="primary with-icon"
            onClick={() => setOverlay({ kind: 'create' })}
          >
            <Icon name="plus" />
            {t.newGroup}
          </button>
          <button type="button" className="with-icon" onClick={() => setOverlay({ kind: 'join' })}>
            <Icon name="join" />
            {t.joinGroup}
          </button>
        </div>
        <GroupList groups={snapshot.groups} active={activeId} onSelect={selectGroup} />
      </nav>
      <main className="main">
        {activeGroup && tab === 'shelf' ? (
          <ShelfView
            key={activeGroup.groupId}
            group={activeGroup}
            tabs={<GroupTabs tab={tab} onChange={setTab} />}
          />
        ) : activeGroup ? (
          <ChatView
            key={activeGroup.groupId}
            group={activeGroup}
            onInvite={() => setOverlay({ kind: 'invite', groupId: activeGroup.groupId })}
            membersShown={showMembers}
            onToggleMembers={() => setShowMembers((v) => !v)}
            openAt={openAt}
            tabs={<GroupTabs tab={tab} onChange={setTab} />}
          />
        ) : (
          <div className="placeholder">
            <Icon name="chat" className="placeholder-icon" />
            <p>{t.chooseGroup}</p>
          </div>
        )}
      </main>
      {activeGroup && showMembers && <PeersPanel group={activeGroup} />}
      <StatusBar group={activeGroup} />
      {overlay?.kind === 'create' && (
        <CreateGroupDialog onClose={closeOverlay} onCreated={openGroup} />
      )}
      {overlay?.kind === 'join' && <JoinGroupDialog onClose={closeOverlay} onJoined={openGroup} />}
      {overlay?.kind === 'settings' && <SettingsDialog onClose={closeOverlay} />}
      {overlay?.kind === 'invite' && (
        <InviteDialog groupId={overlay.groupId} onClose={closeOverlay} />
      )}
    </div>
  )
}
