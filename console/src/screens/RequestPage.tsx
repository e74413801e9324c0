import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useFormats } from '../../../renderer/src/i18n/use-formats';
import { FailureText } from '../components/FailureText';
import { ScreenHeading } from '../components/Heading';
import { useConsole } from '../store';

/** One request: the identity check, a reason, and the decision. The final approval's code is shown here once. */
export function RequestPage() {
  const { t } = useTranslation();
  const formats = useFormats();
  const requestId = useConsole((s) => s.requestId);
  const request = useConsole((s) => s.requests.find((r) => r.id === s.requestId) ?? null);
  const checklist = useConsole((s) => s.checklist);
  const canDecide = useConsole((s) => s.can('recovery:decide'));
  const decision = useConsole((s) => s.decision);
  const failure = useConsole((s) => s.decisionFailure);
  const deciding = useConsole((s) => s.deciding);
  const approve = useConsole((s) => s.approve);
  const deny = useConsole((s) => s.deny);
  const go = useConsole((s) => s.go);
  const [ticked, setTicked] = useState<ReadonlySet<string>>(new Set());
  const [reason, setReason] = useState('');
  const ids = useId();
  if (!requestId || !request) {
    return (
      <section className="screen">
        <ScreenHeading>{t('request.notFound')}</ScreenHeading>
        <button
          type="button"
          className="link"
          onClick={() => {
            go('queue');
          }}
        >
          {t('request.back')}
        </button>
      </section>
    );
  }
  const allTicked = checklist.every((item) => ticked.has(item.id));
  const open = request.status === 'pending';
  const code = decision?.request.id === request.id ? decision : null;
  const toggle = (id: string) => {
    setTicked((before) => {
      const next = new Set(before);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  };
  const decide = (kind: 'approve' | 'deny') => {
    const confirmed = checklist.filter((i) => ticked.has(i.id)).map((i) => i.id);
    void (kind === 'approve' ? approve : deny)(request, reason.trim(), confirmed);
  };
  return (
    <section className="screen request">
      <button
        type="button"
        className="link back"
        onClick={() => {
          go('queue');
        }}
      >
        {t('request.back')}
      </button>
      <ScreenHeading>{t('request.title', { reference: request.reference })}</ScreenHeading>
      <dl className="facts">
        <dt>{t('queue.person')}</dt>
        <dd>{request.displayName ? t('request.who', { name: request.displayName, username: request.username }) : t('request.noUser')}</dd>
        <dt>{t('queue.tier')}</dt>
        <dd>{request.tier ?? '—'}</dd>
        <dt>{t('queue.device')}</dt>
        <dd>
          {t('request.device', {
            device: request.device.name,
            platform: request.device.platform,
            os: request.device.osVersion,
            at: formats.moment(request.createdAt),
          })}
        </dd>
        <dt>{t('queue.approvals')}</dt>
        <dd>
          {request.approvals.length === 0 && t('request.noApprovals')}
          {request.approvals.map((a) => (
            <span key={a.agent} className="block">
              {t('request.approvedBy', { agent: a.agent, at: formats.moment(a.at) })}
            </span>
          ))}
        </dd>
        <dt>{t('people.status')}</dt>
        <dd>{t(`queue.status.${request.status}`)}</dd>
      </dl>
      {request.approvalsRequired > 1 && <p className="notice">{t('request.privileged')}</p>}

      {code?.code && (
        <div className="one-time" role="alert" aria-labelledby={`${ids}-code`}>
          <h2 id={`${ids}-code`}>{t('request.codeTitle')}</h2>
          <p className="code" data-testid="helpdesk-code">
            {code.code}
          </p>
          <p>{t('request.codeHint')}</p>
          {code.codeExpiresAt && <p className="quiet">{t('request.codeExpires', { at: formats.moment(code.codeExpiresAt) })}</p>}
        </div>
      )}
      {code && !code.code && code.request.status === 'pending' && (
        <p className="notice" role="status">
          {t('request.needsSecond')}
        </p>
      )}
      {code && code.request.status === 'denied' && (
        <p className="notice" role="status">
          {t('request.denied')}
        </p>
      )}
      <FailureText failure={failure} />

      {open && !canDecide && <p className="notice">{t('request.readOnly')}</p>}
      {open && canDecide && (
        <form
          className="decide"
          onSubmit={(event) => {
            event.preventDefault();
            decide('approve');
          }}
        >
          <fieldset>
            <legend>{t('request.checklist')}</legend>
            <p className="quiet" id={`${ids}-hint`}>
              {checklist.length > 0 ? t('request.checklistHint') : t('request.noChecklist')}
            </p>
            {checklist.map((item) => (
              <div className="check" key={item.id}>
                <input
                  type="checkbox"
                  id={`${ids}-${item.id}`}
                  checked={ticked.has(item.id)}
                  onChange={() => {
                    toggle(item.id);
                  }}
                  aria-describedby={`${ids}-hint`}
                />
                <label htmlFor={`${ids}-${item.id}`}>{item.label}</label>
              </div>
            ))}
          </fieldset>
          <label htmlFor={`${ids}-reason`}>{t('request.reason')}</label>
          <textarea
            id={`${ids}-reason`}
            value={reason}
            maxLength={500}
            rows={3}
            onChange={(e) => {
              setReason(e.target.value);
            }}
          />
          <div className="actions">
            <button
              type="submit"
              disabled={!allTicked || !reason.trim() || deciding || !request.displayName}
              aria-describedby={`${ids}-deny`}
            >
              {t('request.approve')}
            </button>
            <button
              type="button"
              className="danger"
              disabled={!reason.trim() || deciding}
              aria-describedby={`${ids}-deny`}
              onClick={() => {
                decide('deny');
              }}
            >
              {t('request.deny')}
            </button>
          </div>
          <p className="quiet" id={`${ids}-deny`}>
            {t('request.denyNeedsReason')}
          </p>
        </form>
      )}
    </section>
  );
}
