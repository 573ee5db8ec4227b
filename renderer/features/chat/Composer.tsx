// Writing a message. Enter sends and Shift+Enter starts a new line, but never while an input
// method (Korean, Japanese, Chinese) is composing: that Enter confirms the composed characters.
import { useEffect, useId, useRef, useState } from 'react'
import type { KeyboardEvent } from 'react'
import type { Message } from '../../../shared/api/index.ts'
import { useI18n } from '../../i18n/index.tsx'
import { ErrorText } from '../../ui/ErrorText.tsx'
import { FilePicker } from '../../ui/FilePicker.tsx'
import { Icon } from '../../ui/Icon.tsx'
import { ToolButton } from '../../ui/ToolButton.tsx'
import { PendingAttachments } from './Attachments.tsx'
import type { Attachments } from './attachments.ts'

// Chromium reports keyCode 229 for keys an IME is handling, even when isComposing has just ended.
const IME_KEY_CODE = 229

export function isComposing(event: KeyboardEvent<HTMLTextAreaElement>): boolean {
  return event.nativeEvent.isComposing || event.keyCode === IME_KEY_CODE
}

export function Composer(props: {
  replyTo: Message | null
  editing: Message | null
  me: string
  onSend(text: string, replyTo: Message | null): void
  onEdit(message: Message, text: string): Promise<boolean>
  onCancel(): void
  editError: unknown
  /** Files going with the next message (not while editing one). */
  attachments?: Attachments
}) {
  const { t } = useI18n()
  const { replyTo, editing, onCancel } = props
  const [text, setText] = useState('')
  const [draft, setDraft] = useState('')
  const area = useRef<HTMLTextAreaElement>(null)
  const picker = useRef<HTMLInputElement>(null)
  const fieldId = useId()
  const hintId = useId()

  // Editing borrows the field; the unsent draft comes back afterwards.
  const editingId = editing?.id ?? null
  const editingText = editing?.text ?? ''
  const wasEditing = useRef(false)
  useEffect(() => {
    if (editingId !== null) {
      if (!wasEditing.current) setDraft(area.current?.value ?? '')
      wasEditing.current = true
      setText(editingText)
    } else if (wasEditing.current) {
      wasEditing.current = false
      setText(draft)
    }
    // Only a change of the message being edited resets the field.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [editingId])

  useEffect(() => {
    if (replyTo !== null || editingId !== null) area.current?.focus()
  }, [replyTo, editingId])

  const attachments = editing === null ? props.attachments : undefined
  const files = attachments?.fileIds.length ?? 0
  const waiting = attachments?.busy === true
  const submit = async () => {
    const value = text.trim()
    if (editing === null && (waiting || (value === '' && files === 0))) return
    if (editing !== null) {
      if (value === '') return
      if (value === editing.text || (await props.onEdit(editing, value))) onCancel()
      return
    }
    setText('')
    props.onSend(value, replyTo)
  }

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (isComposing(event)) return
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault()
      void submit()
    } else if (event.key === 'Escape' && (replyTo !== null || editing !== null)) {
      event.preventDefault()
      onCancel()
    }
  }

  const lines = Math.min(8, Math.max(1, text.split('\n').length))
  const replyAuthor =
    replyTo === null
      ? ''
      : replyTo.author === props.me
        ? t.you
        : replyTo.authorName || t.unknownAuthor
  return (
    <form
      className="composer"
      onSubmit={(event) => {
        event.preventDefault()
        void submit()
      }}
    >
      {(replyTo !== null || editing !== null) && (
        <div className="composer-context">
          <span>
            {editing !== null ? (
              t.editingMessage
            ) : (
              <>
                <strong>{t.replyingTo(replyAuthor)}</strong>{' '}
                <bdi className="reply-snippet">{replyTo?.text}</bdi>
              </>
            )}
          </span>
          <button type="button" className="small" onClick={onCancel}>
            {editing !== null ? t.cancel : t.cancelReply}
          </button>
        </div>
      )}
      <ErrorText error={props.editError} />
      {attachments !== undefined && <PendingAttachments attachments={attachments} />}
      <div className="composer-row">
        <label htmlFor={fieldId} className="visually-hidden">
          {t.messageLabel}
        </label>
        <textarea
          id={fieldId}
          ref={area}
          data-testid="composer"
          value={text}
          rows={lines}
          placeholder={t.composerPlaceholder}
          aria-describedby={hintId}
          onChange={(event) => setText(event.target.value)}
          onKeyDown={onKeyDown}
          dir="auto"
        />
        {attachments !== undefined && (
          <>
            <ToolButton
              label={t.attachFiles}
              className="attach"
              onClick={() => picker.current?.click()}
            >
              <Icon name="paperclip" />
            </ToolButton>
            <FilePicker inputRef={picker} testId="attach-input" onFiles={attachments.add} />
          </>
        )}
        <button
          type="submit"
          className="primary with-icon send"
          disabled={waiting || (text.trim() === '' && files === 0)}
        >
          {editing === null && <Icon name="send" />}
          {editing !== null ? t.save : t.send}
        </button>
      </div>
      <p id={hintId} className="hint composer-hint">
        {t.composerHint}
      </p>
    </form>
  )
}
