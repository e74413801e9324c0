import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { useFormats } from '../../../renderer/src/i18n/use-formats';
import { FailureText } from '../components/FailureText';
import { ScreenHeading } from '../components/Heading';
import { useConsole } from '../store';

export function Queue() {
  const { t } = useTranslation();
  const formats = useFormats();
  const requests = useConsole((s) => s.requests);
  const loading = useConsole((s) => s.queueLoading);
  const failure = useConsole((s) => s.queueFailure);
  const loadQueue = useConsole((s) => s.loadQueue);
  const openRequest = useConsole((s) => s.openRequest);
  useEffect(() => {
    void loadQueue();
  }, [loadQueue]);
  const now = Date.now();
  return (
    <section aria-labelledby="queue-title" className="screen">
      <div className="title-row" id="queue-title">
        <ScreenHeading>{t('queue.title')}</ScreenHeading>
        <button type="button" className="secondary" onClick={() => void loadQueue()} disabled={loading}>
          {t('queue.refresh')}
        </button>
      </div>
      <p>{t('queue.intro')}</p>
      <FailureText failure={failure} />
      {loading && requests.length === 0 && <p role="status">{t('app.loading')}</p>}
      {!loading && !failure && requests.length === 0 && <p>{t('queue.empty')}</p>}
      {requests.length > 0 && (
        <div className="table-wrap">
          <table className="queue stack">
            <thead>
              <tr>
                <th scope="col">{t('queue.reference')}</th>
                <th scope="col">{t('queue.person')}</th>
                <th scope="col">{t('queue.tier')}</th>
                <th scope="col">{t('queue.device')}</th>
                <th scope="col">{t('queue.age')}</th>
                <th scope="col">{t('queue.approvals')}</th>
              </tr>
            </thead>
            <tbody>
              {requests.map((r) => (
                <tr key={r.id}>
                  <th scope="row">
                    <button
                      type="button"
                      className="link reference"
                      onClick={() => {
                        openRequest(r.id);
                      }}
                      aria-label={t('queue.open', { reference: r.reference })}
                    >
                      {r.reference}
                    </button>
                    <span className="quiet block">{t(`queue.status.${r.status}`)}</span>
                  </th>
                  <td data-label={t('queue.person')}>
                    {r.displayName ?? <em>{t('queue.noUser')}</em>}
                    <span className="quiet block">{r.username}</span>
                  </td>
                  <td data-label={t('queue.tier')}>{r.tier ?? '—'}</td>
                  <td data-label={t('queue.device')}>
                    {r.device.name}
                    <span className="quiet block">
                      {r.device.platform} {r.device.osVersion}
                    </span>
                  </td>
                  <td data-label={t('queue.age')}>
                    {t('queue.ageMinutes', { minutes: formats.number(Math.max(0, Math.floor((now - Date.parse(r.createdAt)) / 60000))) })}
                  </td>
                  <td data-label={t('queue.approvals')}>
                    {t('queue.approvalsOf', { count: r.approvals.length, required: r.approvalsRequired })}
                    {r.approvals.map((a) => (
                      <span key={a.agent} className="quiet block">
                        {t('request.approvedBy', { agent: a.agent, at: formats.moment(a.at) })}
                      </span>
                    ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
