import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useFormats } from '../../../renderer/src/i18n/use-formats';
import { ChangeRole } from '../components/ChangeRole';
import { ConfirmRevoke } from '../components/ConfirmRevoke';
import { FailureText } from '../components/FailureText';
import { failureMessage } from '../components/failure-message';
import { ScreenHeading } from '../components/Heading';
import { UsernameForm } from '../components/UsernameForm';
import { useConsole } from '../store';

type Pending = { kind: 'factor' | 'device'; id: string; name: string } | null;

export function People() {
  const { t } = useTranslation();
  const formats = useFormats();
  const person = useConsole((s) => s.person);
  const failure = useConsole((s) => s.personFailure);
  const revokeFailure = useConsole((s) => s.revokeFailure);
  const lookingUp = useConsole((s) => s.lookingUp);
  const lookUp = useConsole((s) => s.lookUp);
  const canRevoke = useConsole((s) => s.can('people:revoke'));
  const canMove = useConsole((s) => s.can('users:write'));
  const revokeFactor = useConsole((s) => s.revokeFactor);
  const revokeDevice = useConsole((s) => s.revokeDevice);
  const [pending, setPending] = useState<Pending>(null);
  const [done, setDone] = useState(false);
  const when = (at: string | null) => (at ? formats.moment(at) : t('people.never'));
  return (
    <section className="screen">
      <ScreenHeading>{t('people.title')}</ScreenHeading>
      <UsernameForm
        className="inline"
        labelKey="people.username"
        submitKey="people.submit"
        busy={lookingUp}
        error={failureMessage(t, failure)}
        initialUsername={person?.username}
        onSubmit={(username) => {
          setDone(false);
          void lookUp(username);
        }}
      />
      <FailureText failure={revokeFailure} />
      {done && <p role="status">{t('confirm.done')}</p>}
      {person && (
        <>
          <h2>{t('people.summary', { name: person.displayName, username: person.username, tier: person.tier })}</h2>

          {canMove && <ChangeRole person={person} />}

          <h3>{t('people.factors')}</h3>
          {person.factors.length === 0 ? (
            <p>{t('people.none')}</p>
          ) : (
            <div className="table-wrap">
              <table className="stack">
                <thead>
                  <tr>
                    <th scope="col">{t('people.name')}</th>
                    <th scope="col">{t('people.kind')}</th>
                    <th scope="col">{t('people.status')}</th>
                    <th scope="col">{t('people.created')}</th>
                    <th scope="col">{t('people.lastUsed')}</th>
                    {canRevoke && <td />}
                  </tr>
                </thead>
                <tbody>
                  {person.factors.map((f) => {
                    const name = f.name ?? t('people.unnamed');
                    return (
                      <tr key={f.id}>
                        <th scope="row">{name}</th>
                        <td data-label={t('people.kind')}>{t(`people.factorKind.${f.kind}`)}</td>
                        <td data-label={t('people.status')}>{t(`people.factorStatus.${f.status}`)}</td>
                        <td data-label={t('people.created')}>{formats.day(f.createdAt)}</td>
                        <td data-label={t('people.lastUsed')}>{when(f.lastUsedAt)}</td>
                        {canRevoke && (
                          <td>
                            {(f.status === 'active' || f.status === 'suspended') && (
                              <button
                                type="button"
                                className="danger small"
                                onClick={() => {
                                  setPending({ kind: 'factor', id: f.id, name });
                                }}
                              >
                                {t('people.revokeFactor', { name })}
                              </button>
                            )}
                          </td>
                        )}
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )}

          <h3>{t('people.devices')}</h3>
          {person.devices.length === 0 ? (
            <p>{t('people.none')}</p>
          ) : (
            <div className="table-wrap">
              <table className="stack">
                <thead>
                  <tr>
                    <th scope="col">{t('people.name')}</th>
                    <th scope="col">{t('people.platform')}</th>
                    <th scope="col">{t('people.lastSeen')}</th>
                    <th scope="col">{t('people.revoked')}</th>
                    {canRevoke && <td />}
                  </tr>
                </thead>
                <tbody>
                  {person.devices.map((d) => (
                    <tr key={d.id}>
                      <th scope="row">{d.name}</th>
                      <td data-label={t('people.platform')}>{d.platform}</td>
                      <td data-label={t('people.lastSeen')}>{formats.moment(d.lastSeenAt)}</td>
                      <td data-label={t('people.revoked')}>{d.revokedAt ? formats.moment(d.revokedAt) : t('people.no')}</td>
                      {canRevoke && (
                        <td>
                          {!d.revokedAt && (
                            <button
                              type="button"
                              className="danger small"
                              onClick={() => {
                                setPending({ kind: 'device', id: d.id, name: d.name });
                              }}
                            >
                              {t('people.revokeDevice', { name: d.name })}
                            </button>
                          )}
                        </td>
                      )}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}

          <h3>{t('people.requests')}</h3>
          {person.openRequests.length === 0 ? (
            <p>{t('people.none')}</p>
          ) : (
            <ul>
              {person.openRequests.map((r) => (
                <li key={r.id}>
                  {r.reference}: {t(`queue.status.${r.status}`)}
                </li>
              ))}
            </ul>
          )}

          <h3>{t('people.events')}</h3>
          {person.events.length === 0 ? (
            <p>{t('people.none')}</p>
          ) : (
            <div className="table-wrap">
              <table className="events stack">
                <thead>
                  <tr>
                    <th scope="col">{t('people.at')}</th>
                    <th scope="col">{t('people.event')}</th>
                    <th scope="col">{t('people.actor')}</th>
                    <th scope="col">{t('people.details')}</th>
                  </tr>
                </thead>
                <tbody>
                  {person.events.map((e, i) => (
                    <tr key={`${e.at}-${i}`}>
                      <td data-label={t('people.at')}>{formats.moment(e.at)}</td>
                      <th scope="row">
                        <code>{e.event}</code>
                      </th>
                      <td data-label={t('people.actor')}>{e.actor}</td>
                      <td className="details" data-label={t('people.details')}>
                        {Object.entries(e.details)
                          .map(([k, v]) => `${k}: ${String(v)}`)
                          .join(', ')}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
      {pending && person && (
        <ConfirmRevoke
          title={t(pending.kind === 'factor' ? 'confirm.factorTitle' : 'confirm.deviceTitle')}
          body={t(pending.kind === 'factor' ? 'confirm.factorBody' : 'confirm.deviceBody', {
            name: pending.name,
            person: person.displayName,
          })}
          onConfirm={async (reason) => {
            const ok = await (pending.kind === 'factor' ? revokeFactor : revokeDevice)(pending.id, reason);
            setDone(ok);
            return ok;
          }}
          onClose={() => {
            setPending(null);
          }}
        />
      )}
    </section>
  );
}
