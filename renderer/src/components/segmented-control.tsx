/** A small radio group drawn as joined buttons (the app's `segmented` style): one choice of a few. */
export interface SegmentOption<T extends string> {
  value: T;
  label: string;
  title?: string;
  testId?: string;
}

export function SegmentedControl<T extends string>(props: {
  label: string;
  options: readonly SegmentOption<T>[];
  value: T;
  onChange: (value: T) => void;
  small?: boolean;
}) {
  return (
    <div className={props.small ? 'segmented segmented--small' : 'segmented'} role="radiogroup" aria-label={props.label}>
      {props.options.map((option) => (
        <button
          key={option.value}
          type="button"
          role="radio"
          aria-checked={props.value === option.value}
          className={props.value === option.value ? 'active' : undefined}
          onClick={() => props.onChange(option.value)}
          {...(option.title !== undefined ? { title: option.title } : {})}
          {...(option.testId !== undefined ? { 'data-testid': option.testId } : {})}
        >
          {option.label}
        </button>
      ))}
    </div>
  );
}
