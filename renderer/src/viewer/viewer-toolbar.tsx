/** The viewer's controls: representation, atom size, cell outline, background and camera direction. */
import type { Representation, ViewAxis } from './atom-scene';
import { STICK_FACTOR } from './neighbour-sticks';
import type { ViewerBackground } from './viewer-prefs';
import { formatCount } from '../format';

const REPRESENTATIONS: Array<{ value: Representation; label: string; help: string }> = [
  { value: 'spacefill', label: 'Spacefill', help: 'Spheres with metallic radii: how densely the atoms pack' },
  {
    value: 'ball+stick',
    label: 'Ball+stick',
    help: `Small balls; sticks join nearest neighbours closer than ${STICK_FACTOR} × (r₁ + r₂) (≈ first minimum of g(r)). They are neighbour links, not chemical bonds; links across the periodic boundary are not drawn.`,
  },
  { value: 'points', label: 'Points', help: 'One round point per atom: the fastest view, for very large boxes' },
];

export interface ViewerToolbarProps {
  representation: Representation;
  onRepresentation: (rep: Representation) => void;
  ballStickDisabledReason: string | null;
  atomScale: number;
  onAtomScale: (value: number) => void;
  showCell: boolean;
  onShowCell: (show: boolean) => void;
  background: ViewerBackground;
  onBackground: (bg: ViewerBackground) => void;
  onOrient: (axis: ViewAxis) => void;
  disabled: boolean;
  stickCount: number | null;
}

export function ViewerToolbar(props: ViewerToolbarProps) {
  const { representation, disabled } = props;
  return (
    <div className="viewer__toolbar" role="toolbar" aria-label="Viewer">
      <div className="segmented" role="radiogroup" aria-label="Representation">
        {REPRESENTATIONS.map((r) => {
          const blocked = r.value === 'ball+stick' ? props.ballStickDisabledReason : null;
          return (
            <button
              key={r.value}
              type="button"
              role="radio"
              aria-checked={representation === r.value}
              className={representation === r.value ? 'active' : undefined}
              disabled={disabled || blocked !== null}
              title={blocked ?? r.help}
              data-testid={`viewer-rep-${r.value.replace('+', '-')}`}
              onClick={() => props.onRepresentation(r.value)}
            >
              {r.label}
            </button>
          );
        })}
      </div>
      <label className="toolbar__slider" title="Atom size as a fraction of the metallic radius">
        Size
        <input
          type="range"
          min={0.1}
          max={1.5}
          step={0.05}
          value={props.atomScale}
          disabled={disabled}
          onChange={(e) => props.onAtomScale(Number(e.target.value))}
          data-testid="viewer-atom-size"
        />
        <span className="toolbar__value">{props.atomScale.toFixed(2)}</span>
      </label>
      <label className="toolbar__check" title="Draw the simulation cell (a parallelepiped, triclinic cells included)">
        <input
          type="checkbox"
          checked={props.showCell}
          onChange={(e) => props.onShowCell(e.target.checked)}
          data-testid="viewer-show-cell"
        />
        Cell
      </label>
      <label className="toolbar__check" title="White background, e.g. for figures">
        <input
          type="checkbox"
          checked={props.background === 'light'}
          onChange={(e) => props.onBackground(e.target.checked ? 'light' : 'dark')}
        />
        White
      </label>
      <div className="toolbar__group" aria-label="View direction">
        <span className="toolbar__label">View along</span>
        {(['x', 'y', 'z'] as const).map((axis) => (
          <button
            key={axis}
            type="button"
            className="button button--small"
            disabled={disabled}
            title={`Look along ${axis} (the beam direction for zone axis ${axis})`}
            onClick={() => props.onOrient(axis)}
          >
            {axis}
          </button>
        ))}
        <button
          type="button"
          className="button button--small"
          disabled={disabled}
          onClick={() => props.onOrient('default')}
          title="Reset the camera: whole cell in view, default orientation"
          data-testid="viewer-reset"
        >
          Reset view
        </button>
      </div>
      {props.stickCount !== null && (
        <span className="toolbar__note" title={REPRESENTATIONS[1]?.help}>
          {formatCount(props.stickCount)} neighbour sticks (not chemical bonds)
        </span>
      )}
    </div>
  );
}
