/** The box a figure stands in while its data loads, or when the core could not compute it (with a retry). */
import { ErrorBanner } from '../components/error-banner';

export interface FigureStateProps {
  testId: string;
  title: string;
  state: 'loading' | 'error';
  error?: string | null;
  onRetry?: () => void;
}

export function FigureState({ testId, title, state, error, onRetry }: FigureStateProps) {
  return (
    <figure className="plot-figure plot-figure--state" data-testid={testId} data-state={state}>
      <figcaption className="plot-figure__header">
        <h3>{title}</h3>
      </figcaption>
      {state === 'loading' ? (
        <div className="plot-figure__loading">
          <div className="spinner spinner--small" aria-hidden="true" /> Computing…
        </div>
      ) : (
        <div className="plot-figure__error">
          <ErrorBanner title={`Cannot compute: ${title}`} message={error ?? 'unknown error'} />
          {onRetry && (
            <button type="button" className="button button--small" onClick={onRetry}>
              Try again
            </button>
          )}
        </div>
      )}
    </figure>
  );
}
