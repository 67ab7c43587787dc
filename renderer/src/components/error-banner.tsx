/** One visible failure: what was being done and the core's own message, with an optional dismiss button. */
export interface ErrorBannerProps {
  title?: string;
  message: string;
  onDismiss?: () => void;
}

export function ErrorBanner({ title, message, onDismiss }: ErrorBannerProps) {
  return (
    <div className="error-banner" role="alert" data-testid="error-banner">
      <span className="error-banner__icon" aria-hidden="true">
        !
      </span>
      <div className="error-banner__text">
        {title && <strong>{title}: </strong>}
        <span className="error-banner__message">{message}</span>
      </div>
      {onDismiss && (
        <button type="button" className="icon-button" onClick={onDismiss} aria-label="Dismiss error" title="Dismiss">
          ×
        </button>
      )}
    </div>
  );
}
