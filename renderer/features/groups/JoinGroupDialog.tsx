// Joining takes either kind of invitation: the long invite pasted from a message, or the short
// code someone read aloud. The peer tells them apart.
import { useId, useState } from 'react'
import { useI18n } from '../../i18n/index.tsx'
import { useSession } from '../../state/session-context.tsx'
import { Dialog } from '../../ui/Dialog.tsx'
import { ErrorText } from '../../ui/ErrorText.tsx'
import { useAction } from '../../ui/use-action.ts'

export function JoinGroupDialog(props: { onClose(): void; onJoined(groupId: string): void }) {
  const { t } = useI18n()
  const session = useSession()
  const [text, setText] = useState('')
  const fieldId = useId()
  const hintId = useId()
  const { onJoined } = props
  const join = useAction(async (value: string) => {
    onJoined(await session.joinGroup(value.trim()))
  })
  return (
    <Dialog title={t.joinGroup} onClose={props.onClose}>
      <form
        onSubmit={(event) => {
          event.preventDefault()
          void join.run(text)
        }}
      >
        <div className="dialog-body field">
          <label htmlFor={fieldId}>{t.inviteOrCode}</label>
          <textarea
            id={fieldId}
            value={text}
            onChange={(event) => setText(event.target.value)}
            rows={4}
            className="code-input"
            required
            autoFocus
            spellCheck={false}
            autoComplete="off"
            aria-describedby={hintId}
          />
          <p id={hintId} className="hint">
            {t.joinHint}
          </p>
          {join.busy && (
            <p className="hint" role="status">
              {t.joining}
            </p>
          )}
          <ErrorText error={join.error} />
        </div>
        <div className="dialog-actions">
          <button type="button" onClick={props.onClose}>
            {t.cancel}
          </button>
          <button type="submit" className="primary" disabled={join.busy || text.trim() === ''}>
            {t.join}
          </button>
        </div>
      </form>
    </Dialog>
  )
}
