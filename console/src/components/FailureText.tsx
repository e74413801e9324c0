import { useTranslation } from 'react-i18next';
import type { Failure } from '../store/types';
import { failureMessage } from './failure-message';

/** A refusal in words, announced to screen readers as it appears. */
export function FailureText({ failure, id }: { failure: Failure; id?: string }) {
  const { t } = useTranslation();
  if (!failure) return null;
  return (
    <p className="failure" role="alert" id={id}>
      {failureMessage(t, failure)}
    </p>
  );
}
