/** The app-wide errors (failed loads, failed cancels …) stacked under the header until the user dismisses them. */
import { useErrors } from '../state/errors';
import { ErrorBanner } from './error-banner';

export function ErrorStack() {
  const { errors, dismiss } = useErrors();
  if (errors.length === 0) return null;
  return (
    <div className="error-stack">
      {errors.map((e) => (
        <ErrorBanner key={e.id} title={e.context} message={e.message} onDismiss={() => dismiss(e.id)} />
      ))}
    </div>
  );
}
