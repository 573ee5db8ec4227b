// The long invite, for another channel: a QR code to scan, the text with a copy button, and what
// the invite allows (until when, and how many people).
import { useI18n } from '../../i18n/index.tsx'
import { CopyField } from '../../ui/CopyField.tsx'
import { QrCode } from '../../ui/QrCode.tsx'

export interface IssuedInvite {
  invite: string
  uses: number
  expiresAt: number
}

export function LongInvite(props: { invite: IssuedInvite }) {
  const { t, fmt } = useI18n()
  const { invite } = props
  return (
    <div className="long-invite">
      <QrCode text={invite.invite} label={t.inviteQr} />
      <div className="long-invite-text">
        <CopyField label={t.longInvite} value={invite.invite} hint={t.inviteScanHint} />
        <ul className="invite-facts">
          <li>{t.inviteValidUntil(fmt.dateTime(invite.expiresAt))}</li>
          <li>{t.inviteUses(invite.uses)}</li>
        </ul>
      </div>
    </div>
  )
}
