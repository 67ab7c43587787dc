/**
 * Where a model came from, in words shared by the CLI (ssro model info) and the Models page: the training bundle an
 * imported model was trained from, and the weights its training started from.
 */

function record(value: unknown): Record<string, unknown> | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null;
}

function basename(file: string): string {
  const parts = file.split(/[\\/]/);
  return parts[parts.length - 1] ?? file;
}

/** "trained elsewhere from bundle <id> (<created>)" for a model imported from a training bundle, else null. */
export function bundleOriginText(params: unknown): string | null {
  const bundle = record(record(params)?.bundle);
  const id = text(bundle?.id);
  if (bundle === null || id === null) return null;
  const created = text(bundle.createdAt);
  const dataset = record(bundle.dataset);
  const datasetId = typeof dataset?.id === 'number' ? dataset.id : null;
  const fingerprint = text(dataset?.fingerprint);
  const project = text(record(bundle.project)?.name);
  const on = datasetId !== null ? ` on dataset ${datasetId}${project ? ` of project ${project}` : ''}${fingerprint ? ` (sha256 ${fingerprint.slice(0, 12)}…)` : ''}` : '';
  return `trained elsewhere from bundle ${id}${created ? ` (${created})` : ''}${on}`;
}

/** The run a bundle import recorded: "12 epochs, best 9". */
export function bundleRunText(params: unknown): string | null {
  const run = record(record(record(params)?.bundle)?.run);
  if (run === null || typeof run.epochs !== 'number') return null;
  return `${run.epochs} epochs${typeof run.bestEpoch === 'number' ? `, best ${run.bestEpoch}` : ''}`;
}

function initRecordText(init: Record<string, unknown>): string | null {
  const kind = text(init.kind);
  if (kind === 'scratch') return 'scratch';
  const file = text(init.file);
  const sha = text(init.sha256);
  const what = kind === 'imagenet' ? 'ImageNet file' : kind === 'state-dict' ? 'state_dict file' : kind;
  if (what === null) return null;
  return `${what}${file ? ` ${basename(file)}` : ''}${sha ? ` (sha256 ${sha.slice(0, 12)}…)` : ''}`;
}

/**
 * The weights a model's training started from: the engine's `init` record in the ONNX metadata when there is one,
 * else a training bundle's record, else the file named in the training request (no checksum then); "scratch" when
 * none. null when nothing says (a foreign model).
 */
export function initText(metadata: unknown, params: unknown): string | null {
  const fromMetadata = record(record(metadata)?.init);
  if (fromMetadata) {
    const described = initRecordText(fromMetadata);
    if (described) return described;
  }
  const p = record(params);
  const fromBundle = record(record(p?.bundle)?.init);
  if (fromBundle) {
    const described = initRecordText(fromBundle);
    if (described) return described;
  }
  const imagenet = text(p?.imagenetWeights);
  if (imagenet) return `ImageNet file ${basename(imagenet)}`;
  const stateDict = text(p?.initStateDict);
  if (stateDict) return `state_dict file ${basename(stateDict)}`;
  if (p && ('imagenetWeights' in p || 'initStateDict' in p)) return 'scratch';
  return null;
}
