/** The viewer's second row: what the atom colours mean (element or a label property) and the slab to look inside. */
import type { LabelProperty } from '../../../main/shared/labels';
import { formatCount } from '../format';
import type { ColormapName } from '../labels/atom-colours';
import { COLOUR_PROPERTIES, PROPERTY_INFO } from '../labels/label-properties';

export type ColourBy = 'element' | LabelProperty;
export type SlabAxis = 'x' | 'y' | 'z';

export interface SlabSettings {
  enabled: boolean;
  axis: SlabAxis;
  centreA: number;
  thicknessA: number;
}

export interface DisplayToolbarProps {
  colourBy: ColourBy;
  onColourBy: (value: ColourBy) => void;
  /** Null when the structure has no label set yet: only element colours then. */
  labelSetId: number | null;
  colormap: ColormapName;
  onColormap: (value: ColormapName) => void;
  slab: SlabSettings;
  onSlab: (value: SlabSettings) => void;
  /** Coordinate range of the atoms along x, y, z (Å). */
  extentA: Record<SlabAxis, [number, number]>;
  drawnCount: number;
  totalCount: number;
  disabled: boolean;
}

export function DisplayToolbar(props: DisplayToolbarProps) {
  const { colourBy, slab, disabled } = props;
  const [lo, hi] = props.extentA[slab.axis];
  const span = Math.max(hi - lo, 0.1);
  const continuous = colourBy !== 'element' && PROPERTY_INFO[colourBy].kind === 'continuous';
  return (
    <div className="viewer__toolbar viewer__toolbar--display" role="toolbar" aria-label="Colouring and slab">
      <label className="toolbar__group" title={props.labelSetId === null ? 'Compute order labels to colour by d, 1−Q6, CNA or Voronoi class' : `Colours from label set #${props.labelSetId}`}>
        <span className="toolbar__label">Colour by</span>
        <select
          className="input toolbar__select"
          value={colourBy}
          disabled={disabled}
          onChange={(e) => props.onColourBy(e.target.value as ColourBy)}
          data-testid="colour-by-select"
        >
          <option value="element">Element</option>
          {COLOUR_PROPERTIES.map((p) => (
            <option key={p} value={p} disabled={props.labelSetId === null}>
              {PROPERTY_INFO[p].symbol}
              {PROPERTY_INFO[p].unit ? ` (${PROPERTY_INFO[p].unit})` : ''}
            </option>
          ))}
        </select>
      </label>
      {continuous && (
        <label className="toolbar__group" title="Perceptually uniform colour maps; cividis also reads for red–green colour blindness">
          <span className="toolbar__label">Map</span>
          <select
            className="input toolbar__select"
            value={props.colormap}
            onChange={(e) => props.onColormap(e.target.value as ColormapName)}
            data-testid="colormap-select"
          >
            <option value="viridis">viridis</option>
            <option value="cividis">cividis</option>
          </select>
        </label>
      )}
      <span className="toolbar__divider" aria-hidden="true" />
      <label className="toolbar__check" title="Draw only the atoms inside a slab between two planes perpendicular to an axis, to look inside">
        <input
          type="checkbox"
          checked={slab.enabled}
          disabled={disabled}
          onChange={(e) => props.onSlab({ ...slab, enabled: e.target.checked })}
          data-testid="slab-toggle"
        />
        Slab
      </label>
      {slab.enabled && (
        <>
          <div className="segmented segmented--small" role="radiogroup" aria-label="Slab normal">
            {(['x', 'y', 'z'] as const).map((axis) => (
              <button
                key={axis}
                type="button"
                role="radio"
                aria-checked={slab.axis === axis}
                className={slab.axis === axis ? 'active' : undefined}
                title={`Slab perpendicular to ${axis}`}
                onClick={() => {
                  const [a, b] = props.extentA[axis];
                  props.onSlab({ ...slab, axis, centreA: (a + b) / 2, thicknessA: Math.min(slab.thicknessA, Math.max(b - a, 1)) });
                }}
                data-testid={`slab-axis-${axis}`}
              >
                ⟂{axis}
              </button>
            ))}
          </div>
          <label className="toolbar__slider" title={`Centre of the slab along ${slab.axis} (Å)`}>
            {slab.axis}
            <input
              type="range"
              min={lo}
              max={hi}
              step={Math.max(span / 500, 0.01)}
              value={slab.centreA}
              onChange={(e) => props.onSlab({ ...slab, centreA: Number(e.target.value) })}
              data-testid="slab-position"
            />
            <span className="toolbar__value toolbar__value--wide">{slab.centreA.toFixed(1)} Å</span>
          </label>
          <label className="toolbar__slider" title="Thickness of the slab (Å)">
            thickness
            <input
              type="range"
              min={0.5}
              max={Math.max(span, 1)}
              step={0.1}
              value={slab.thicknessA}
              onChange={(e) => props.onSlab({ ...slab, thicknessA: Number(e.target.value) })}
              data-testid="slab-thickness"
            />
            <span className="toolbar__value toolbar__value--wide">{slab.thicknessA.toFixed(1)} Å</span>
          </label>
          <span className="toolbar__note" data-testid="slab-count">
            {formatCount(props.drawnCount)} of {formatCount(props.totalCount)} atoms drawn
          </span>
        </>
      )}
    </div>
  );
}
