// One group's chat: its header, the message list and the composer, plus the confirmations a
// message action may need (delete, open a link, leave the group).
import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import type { ReactNode } from 'react'
import type { Group, Message, Receipt } from '../../../shared/api/index.ts'
import { useI18n } from '../../i18n/index.tsx'
import type { PendingSend } from '../../state/session.ts'
import { useOpenExternal, useSession, useSnapshot } from '../../state/session-context.tsx'
import { useShelves } from '../../state/shelves-context.tsx'
import { ConfirmDialog } from '../../ui/ConfirmDialog.tsx'
import { ErrorText } from '../../ui/ErrorText.tsx'
import { GroupTitle } from '../../ui/GroupTitle.tsx'
import { Icon } from '../../ui/Icon.tsx'
import { useAction } from '../../ui/use-action.ts'
import { ImportBundleDialog, SaveBundleDialog } from '../carry/BundleDialogs.tsx'
import { GroupMenu } from '../carry/GroupMenu.tsx'
import { carriesFiles } from '../shelf/drag.ts'
import { ChatGroupContext } from './Attachments.tsx'
import { useAttachments } from './attachments.ts'
import { Composer } from './Composer.tsx'
import { safeWebUrl } from './links.ts'
import type { MessageActions } from './MessageItem.tsx'
import { MessageList } from './MessageList.tsx'

const noReceipts: readonly Receipt[] = []

/** A message to scroll to and highlight; `n` makes a second request for the same one count. */
export interface OpenAt {
  messageId: string
  n: number
}

export function ChatView(props: {
  group: Group
  onInvite(): void
  membersShown: boolean
  onToggleMembers(): void
  /** Scroll to this message and highlight it (a notification was clicked). */
  openAt?: OpenAt | null
  /** The chat / shelf switch, shown under the group's name. */
  tabs?: ReactNode
}) {
  const { t } = useI18n()
  const session = useSession()
  const snapshot = useSnapshot()
  const openExternal = useOpenExternal()
  const { group } = props
  const groupId = group.groupId
  const chat = snapshot.chats.get(groupId)

  const [replyTo, setReplyTo] = useState<Message | null>(null)
  const [editing, setEditing] = useState<Message | null>(null)
  const [deleting, setDeleting] = useState<Message | null>(null)
  const [link, setLink] = useState<string | null>(null)
  const [leaving, setLeaving] = useState(false)
  const [jumpTarget, setJumpTarget] = useState<string | null>(null)
  const openAt = props.openAt ?? null
  useEffect(() => {
    if (openAt !== null) setJumpTarget(openAt.messageId)
  }, [openAt])
  const [carrying, setCarrying] = useState<'save' | 'import' | null>(null)

  useEffect(() => {
    session.openChat(groupId).catch((err: unknown) => {
      console.warn(`hearth ui: opening ${groupId} failed`, err)
    })
  }, [session, groupId])
  // Attached files are shown from the shelf's list.
  const shelves = useShelves()
  useEffect(() => shelves.load(groupId), [shelves, groupId])
  const attachments = useAttachments(session.client, groupId)

  const act = useAction(async (work: () => Promise<unknown>) => work())
  const runAction = act.run
  const edit = useAction((message: Message, text: string) =>
    session.edit(groupId, message.id, text),
  )

  // Stable across renders, so memoised message rows do not re-render on every snapshot.
  const latest = useRef({ groupId, runAction })
  latest.current = { groupId, runAction }
  const actions = useMemo<MessageActions>(
    () => ({
      reply: (message) => {
        setEditing(null)
        setReplyTo(message)
      },
      edit: (message) => {
        setReplyTo(null)
        setEditing(message)
      },
      delete: (message) => setDeleting(message),
      react: (message, emoji, on) => {
        const { groupId: id, runAction: run } = latest.current
        void run(() => session.react(id, message.id, emoji, on))
      },
      openLink: (url) => {
        if (safeWebUrl(url) !== undefined) setLink(url)
      },
      jumpTo: (messageId) => setJumpTarget(messageId),
    }),
    [session],
  )
  const onJumped = useCallback(() => setJumpTarget(null), [])
  const onSeen = useCallback(
    (message: Message) => session.seen(groupId, message),
    [session, groupId],
  )

  const { fileIds: attached, clear: clearAttachments } = attachments
  const send = useCallback(
    (text: string, target: Message | null) => {
      setReplyTo(null)
      clearAttachments()
      session.send(groupId, text, target?.id ?? null, attached).catch((err: unknown) => {
        // The failed send stays in the list with the reason and a retry button.
        console.warn('hearth ui: a message was not sent', err)
      })
    },
    [session, groupId, attached, clearAttachments],
  )
  const retry = useCallback(
    (pending: PendingSend) => {
      session.retryPending(groupId, pending.localId).catch((err: unknown) => {
        console.warn('hearth ui: a message was not sent again', err)
      })
    },
    [session, groupId],
  )
  const discard = useCallback(
    (pending: PendingSend) => session.discardPending(groupId, pending.localId),
    [session, groupId],
  )

  return (
    <ChatGroupContext.Provider value={groupId}>
      <section
        className="chat"
        aria-labelledby="chat-title"
        onDragOver={(event) => {
          if (!carriesFiles(event) || editing !== null) return
          event.preventDefault()
          event.dataTransfer.dropEffect = 'copy'
        }}
        onDrop={(event) => {
          if (!carriesFiles(event) || editing !== null) return
          event.preventDefault()
          attachments.add([...event.dataTransfer.files])
        }}
      >
        <header className="chat-header">
          <GroupTitle groupId={groupId} name={group.name} headingId="chat-title">
            <p className="hint">{t.memberCount(group.members.length)}</p>
            {props.tabs}
          </GroupTitle>
          <div className="chat-header-actions">
            <button type="button" className="primary with-icon" onClick={props.onInvite}>
              <Icon name="userPlus" />
              {t.invite}
            </button>
            <button
              type="button"
              className="ghost with-icon"
              aria-pressed={props.membersShown}
              onClick={props.onToggleMembers}
            >
              <Icon name="users" />
              {t.members}
            </button>
            <button type="button" className="ghost with-icon" onClick={() => setLeaving(true)}>
              <Icon name="leave" />
              {t.leaveGroup}
            </button>
            <GroupMenu
              items={[
                { label: t.saveForCarrying, onSelect: () => setCarrying('save') },
                { label: t.importBundle, onSelect: () => setCarrying('import') },
              ]}
            />
          </div>
        </header>
        <ErrorText error={act.error} />
        {chat !== undefined && (
          <MessageList
            chat={chat}
            me={session.me}
            members={group.members}
            amAdmin={group.role === 'admin'}
            receipts={snapshot.receipts.get(groupId) ?? noReceipts}
            onSeen={onSeen}
            actions={actions}
            jumpTarget={jumpTarget}
            onJumped={onJumped}
            onLoadEarlier={() => void runAction(() => session.loadEarlier(groupId))}
            onRetry={retry}
            onDiscard={discard}
            empty={
              group.members.length > 1 ? (
                <p>{t.emptyChat}</p>
              ) : (
                <>
                  <p>{t.emptyChatAlone}</p>
                  <button type="button" className="primary with-icon" onClick={props.onInvite}>
                    <Icon name="userPlus" />
                    {t.invitePeople}
                  </button>
                </>
              )
            }
          />
        )}
        <Composer
          replyTo={replyTo}
          editing={editing}
          me={session.me}
          onSend={send}
          onEdit={edit.run}
          onCancel={() => {
            setReplyTo(null)
            setEditing(null)
            edit.clearError()
          }}
          editError={edit.error}
          attachments={attachments}
        />
        {deleting !== null && (
          <ConfirmDialog
            title={t.deleteTitle}
            confirmLabel={t.delete}
            danger
            onCancel={() => setDeleting(null)}
            onConfirm={() => {
              const id = deleting.id
              setDeleting(null)
              void runAction(() => session.delete(groupId, id))
            }}
          >
            <p>{t.deleteText}</p>
          </ConfirmDialog>
        )}
        {link !== null && (
          <ConfirmDialog
            title={t.openLinkTitle}
            confirmLabel={t.open}
            onCancel={() => setLink(null)}
            onConfirm={() => {
              setLink(null)
              openExternal(link)
            }}
          >
            <p>{t.openLinkText}</p>
            <p className="link-preview">{link}</p>
          </ConfirmDialog>
        )}
        {carrying === 'save' && (
          <SaveBundleDialog group={group} onClose={() => setCarrying(null)} />
        )}
        {carrying === 'import' && <ImportBundleDialog onClose={() => setCarrying(null)} />}
        {leaving && (
          <ConfirmDialog
            title={t.leaveTitle(group.name)}
            confirmLabel={t.leave}
            danger
            onCancel={() => setLeaving(false)}
            onConfirm={() => {
              setLeaving(false)
              void runAction(() => session.leaveGroup(groupId))
            }}
          >
            <p>{t.leaveText}</p>
          </ConfirmDialog>
        )}
      </section>
    </ChatGroupContext.Provider>
  )
}
