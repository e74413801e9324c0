import { useTranslation } from 'react-i18next';
import { useApp } from '../store';

export function BackToStart() {
  const { t } = useTranslation();
  const goTo = useApp((s) => s.goTo);
  return (
    <button
      type="button"
      className="link"
      onClick={() => {
        goTo('code');
      }}
    >
      {t('ways.back')}
    </button>
  );
}
