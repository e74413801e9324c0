import { useTranslation } from 'react-i18next';
import { useFormats } from '../../../renderer/src/i18n/use-formats';
import type { EmergencyGrantView } from '../api/types';
import type { EmergencyAction } from '../store/emergency-slice';
import { actionsFor, actorName } from './emergency-text';

/** When a grant stops (or stopped), in the words that fit its state. */
function useEnds() {
  const { t } = useTranslation();
  const formats = useFormats();
  return (g: EmergencyGrantView): string => {
    switch (g.status) {
      case 'requested':
        return t('emergency.ends.requested', { at: formats.moment(g.expiresAt) });
      case 'approved':
      case 'active':
        return t('emergency.ends.open', { at: formats.moment(g.expiresAt) });
      case 'ended':
        return g.endedAt
          ? t('emergency.ends.ended', { at: formats.moment(g.endedAt), who: actorName(g.endedBy ?? '—') })
          : t('emergency.ends.expired', { at: formats.moment(g.expiresAt) });
      case 'expired':
        return g.decidedAt
          ? t('emergency.ends.expired', { at: formats.moment(g.expiresAt) })
          : t('emergency.ends.lapsed', { at: formats.moment(g.expiresAt) });
      case 'denied':
        return '—';
    }
  };
}

/** One grant of the report. The status is a word in a bordered badge (never a colour alone). */
export function EmergencyGrantRow({
  grant: g,
  canDecide,
  own,
  onAct,
}: {
  grant: EmergencyGrantView;
  canDecide: boolean;
  /** The signed-in admin owns this service account: the server will refuse their decision on its request. */
  own: boolean;
  onAct: (action: EmergencyAction, grant: EmergencyGrantView) => void;
}) {
  const { t } = useTranslation();
  const formats = useFormats();
  const ends = useEnds();
  const decided = g.decidedBy && g.decidedAt;
  return (
    <tr className={g.status === 'requested' ? 'waiting' : undefined}>
      <th scope="row">
        <span className="reference block">{g.reference}</span>
        <span className={`badge badge-${g.status}`}>{t(`emergency.status.${g.status}`)}</span>
      </th>
      <td data-label={t('emergency.col.service')}>
        <span className="mono">{g.serviceAccount}</span>
      </td>
      <td data-label={t('emergency.col.owner')}>{g.owner}</td>
      <td data-label={t('emergency.col.window')}>
        {t('emergency.minutes', { minutes: formats.number(g.minutes) })}
        <q className="quiet block reason">{g.reason}</q>
      </td>
      <td data-label={t('emergency.col.requested')} className="when">
        {formats.moment(g.requestedAt)}
      </td>
      <td data-label={t('emergency.col.decision')}>
        {decided ? (
          <>
            {t(g.status === 'denied' ? 'emergency.deniedBy' : 'emergency.approvedBy', {
              who: actorName(g.decidedBy ?? ''),
              at: formats.moment(g.decidedAt ?? ''),
            })}
            {g.decisionReason && <q className="quiet block reason">{g.decisionReason}</q>}
          </>
        ) : (
          t(g.status === 'requested' ? 'emergency.undecided' : 'emergency.notDecided')
        )}
      </td>
      <td data-label={t('emergency.col.ends')}>{ends(g)}</td>
      <td data-label={t('emergency.col.uses')}>
        {formats.number(g.uses)}
        {g.activatedAt && <span className="quiet block">{t('emergency.collected', { at: formats.moment(g.activatedAt) })}</span>}
      </td>
      {canDecide && (
        <td className="row-actions">
          {own && g.status === 'requested' && <span className="quiet block own-note">{t('emergency.ownRequest')}</span>}
          {actionsFor(g.status).map((action) => (
            <button
              key={action}
              type="button"
              className={action === 'approve' ? 'small' : 'danger small'}
              aria-label={t(`emergency.action.${action}Label`, { reference: g.reference, service: g.serviceAccount })}
              onClick={() => {
                onAct(action, g);
              }}
            >
              {t(`emergency.action.${action}`)}
            </button>
          ))}
        </td>
      )}
    </tr>
  );
}
