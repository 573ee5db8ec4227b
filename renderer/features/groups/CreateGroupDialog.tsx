import { useId, useState } from 'react'
import { useI18n } from '../../i18n/index.tsx'
import { useSession } from '../../state/session-context.tsx'
import { Dialog } from '../../ui/Dialog.tsx'
import { ErrorText } from '../../ui/ErrorText.tsx'
import { useAction } from '../../ui/use-action.ts'

export function CreateGroupDialog(props: { onClose(): void; onCreated(groupId: string): void }) {
  const { t } = useI18n()
  const session = useSession()
  const [name, setName] = useState('')
  const nameId = useId()
  const { onCreated } = props
  const create = useAction(async (value: string) => {
    const { groupId } = await session.createGroup(value.trim())
    onCreated(groupId)
  })
  return (
    <Dialog title={t.newGroup} onClose={props.onClose}>
      <form
        onSubmit={(event) => {
          event.preventDefault()
          void create.run(name)
        }}
      >
        <div className="dialog-body field">
          <label htmlFor={nameId}>{t.groupName}</label>
          <input
            id={nameId}
            value={name}
            onChange={(event) => setName(event.target.value)}
            maxLength={64}
            required
            autoFocus
            dir="auto"
          />
          <ErrorText error={create.error} />
        </div>
        <div className="dialog-actions">
          <button type="button" onClick={props.onClose}>
            {t.cancel}
          </button>
          <button type="submit" className="primary" disabled={create.busy || name.trim() === ''}>
            {t.create}
          </button>
        </div>
      </form>
    </Dialog>
  )
}
