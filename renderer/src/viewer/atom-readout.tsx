/**
 * The atom under the pointer (or the one clicked, which stays until unpinned): element, index and position in Å, and
 * its order labels when the structure has a label set.
 */
import type { PickedAtom } from './atom-scene';

export interface ReadoutLabel {
  name: string;
  value: string;
}

export interface AtomReadoutProps {
  atom: PickedAtom | null;
  pinned: boolean;
  onUnpin: () => void;
  /** The label values of `atom` (empty without a label set). */
  labels: ReadoutLabel[];
  /** Why the label values are missing, if they failed to load. */
  labelsError: string | null;
}

export function AtomReadout({ atom, pinned, onUnpin, labels, labelsError }: AtomReadoutProps) {
  return (
    <div className="viewer__readout" data-testid="atom-readout" data-atom-index={atom?.index} aria-live="polite">
      {atom ? (
        <>
          <span className="readout__element">{atom.element}</span>
          <span className="readout__index" title="0-based position of the atom in the imported file">
            atom #{atom.index}
          </span>
          <span className="readout__xyz">
            x {atom.position[0].toFixed(3)} · y {atom.position[1].toFixed(3)} · z {atom.position[2].toFixed(3)} Å
          </span>
          {labels.length > 0 && (
            <span className="readout__labels" data-testid="atom-readout-labels">
              {labels.map((l) => (
                <span key={l.name} className="readout__label">
                  <span className="muted">{l.name}</span> {l.value}
                </span>
              ))}
            </span>
          )}
          {labelsError && <span className="text-failed" title={labelsError}>labels not loaded</span>}
          {pinned && (
            <button type="button" className="icon-button" onClick={onUnpin} title="Unpin (or click empty space)">
              ×
            </button>
          )}
        </>
      ) : (
        <span className="muted">Hover an atom for element, position and labels; click to pin</span>
      )}
    </div>
  );
}
