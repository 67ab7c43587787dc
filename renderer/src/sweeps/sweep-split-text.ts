import { splitKindLabel } from '../../../main/shared/splits';
import { sweepSplitKind, type SweepRequest } from '../../../main/shared/sweeps';

/** The split a sweep's RMSEs were measured on (sweeps stored without one used the random split). */
export function sweepSplitText(params: SweepRequest): string {
  const kind = sweepSplitKind(params);
  if (kind === 'blocked' && params.splitAxis !== undefined && params.splitAxis !== 'auto') return `blocked along ${params.splitAxis}, guard ${params.splitGuardA ?? 0} Å`;
  if (kind === 'structure') return `leave-structure-out (structures ${(params.holdoutStructures ?? []).join(', ')} held out)`;
  return splitKindLabel(kind);
}
