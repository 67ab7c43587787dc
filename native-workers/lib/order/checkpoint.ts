/** How the per-atom loops of the order analyses let their caller stop them (cancellation, a dead parent). */

/** Atoms between two checkpoint calls: a few milliseconds of work, and no cost per atom. */
export const STOP_CHECK_ATOMS = 4096;

export interface CheckpointOptions {
  /** Called every STOP_CHECK_ATOMS atoms; may throw (or end the process) to abandon the work. */
  checkpoint?: () => void;
}
