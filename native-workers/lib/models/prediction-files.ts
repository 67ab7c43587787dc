/** Files of a prediction folder (predictions/<uuid>/), written by the predict job and read by the core. */
export const PREDICTION_FILES = {
  /** (N,) float64: predicted d per pattern, in the order of indices.npy. */
  predictions: 'predictions.npy',
  /** (N,) float32: the model's raw output (its target units: d or 1 − d). */
  outputs: 'outputs.npy',
  /** (N,) int32: index of each prediction in the input (dataset row, stack record). */
  indices: 'indices.npy',
  /** Model, checksum, preprocessing, input, onnxruntime version, threads, timings. */
  provenance: 'provenance.json',
  /** Labelled inputs only: metrics, parity pairs and density, strip profiles (PredictionEvaluation). */
  evaluation: 'evaluation.json',
} as const;
