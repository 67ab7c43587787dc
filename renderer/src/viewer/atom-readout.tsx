/** The atom under the pointer (or the one clicked, which stays until unpinned): element, index and position in Å. */
import type { PickedAtom } from './atom-scene';

export interface AtomReadoutProps {
  atom: PickedAtom | null;
  pinned: boolean;
  onUnpin: () => void;
}

export function AtomReadout({ atom, pinned, onUnpin }: AtomReadoutProps) {
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
          {pinned && (
            <button type="button" className="icon-button" onClick={onUnpin} title="Unpin (or click empty space)">
              ×
            </button>
          )}
        </>
      ) : (
        <span className="muted">Hover an atom for element and position; click to pin</span>
      )}
    </div>
  );
}
