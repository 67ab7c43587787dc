"""ONNX export of a trained model (opset 13, input 'patterns' (batch, 1, S, S), output 'prediction' (batch, K) in the
model's target units: K = 1 for a single model, one column per member of a deep ensemble) with SSRO Studio's metadata
embedded as ONNX metadata_props — without the onnx package.

ModelProto field 14 is ``repeated StringStringEntryProto metadata_props`` (entry: 1 = key, 2 = value, strings).
Protobuf parsers accept fields in any order and concatenate repeated fields, so appending length-delimited field-14
records to a serialized ModelProto is a valid edit. native-workers/lib/models/onnx-metadata.ts does the same in Node.

The one key written is ``ssro``; its value is JSON (see `ssro_metadata`):
  {format: 'ssro-model', version: 1, architecture, target: 'd' | 'one_minus_d',
   input: {name: 'patterns', shape: ['batch', 1, S, S]}, output: {name: 'prediction', shape: ['batch', K], units},
   preprocessing: the transform's record (ssro_torch.transforms.preprocessing_record: 'annulus-log' with version 2,
                  beamMaskInvA, floorRatio, ceilingRatio; 'log1-minmax'; 'log1-globalmax' with globalLogMax),
   trainingDatasetId, metrics, epochs, bestEpoch, seed, source, torch, createdAt,
   ensemble: null | {members: K, sigmaScale: s, sigmaThreshold: t,
                     calibration: {method, split: 'validation', count, spearman, coverage1, coverage2}},
   ood: null | {features: 'ring-stats-v1', bins: 12, mean: [24], precision: [24·24 row-major], threshold: T,
                quantiles: {p50, p99, p999}, count, regularisation},
   tta: 'none' | 'd4' (d4: the graph itself averages the prediction over the 8 symmetries of the square, see
        ssro_torch.tta; the input and output stay (batch, 1, S, S) → (batch, K)),
   init: null | {kind: 'scratch'} | {kind: 'imagenet' | 'state-dict', file: basename, sha256} (what training
         started from),
   split: null | any JSON (the trainer's splitInfo, copied verbatim: how the train/validation split was made)}

preprocessing.side / kmaxInvA / deltaKInvA are the grid the model sees: a model trained with inputSide 67 on a
133-node dataset records side 67 and twice the dataset's Δk (the same kmax), so patterns are resampled to that grid.

ensemble (K > 1; null for one model): on the validation split, std = population std of the members' predictions in
d units (floored at 1e-6), err = true d − ensemble-mean d, s = median(|err|/std)/0.6745, σ = s·std; spearman = ρ(σ,
|err|); coverage1/2 = fractions of |err| ≤ σ / 2σ; t = 3 × the 99th percentile of validation σ (a frame with σ > t is
out of distribution: the members disagree far more than on any validation pattern).

ood (annulus-log models; null otherwise), ring-stats-v1 features of a model input y: the annulus beamMaskInvA ≤ |K| <
kmaxInvA (membership as annulus-log decides it, compared squared) split into 12 rings of equal width in |K|, ring
b = floor((|K| − kb)/(kmax − kb)·12) clamped to 11; f = [mean of y per ring (12), population std of y per ring (12)]
(every node of the ring counts, an empty ring gives 0, 0). mean μ and covariance Σ (population) of f over the training
samples as augmented (one pass); precision P = (Σ + λI)⁻¹ with λ = 1e-3·trace(Σ)/24; D² = (f − μ)ᵀP(f − μ);
T = the 99.9th percentile of the training D² (quantiles: of the training D²). Frames with D² > T are flagged.

CLI (importing e.g. the authors' checkpoints)::

  python3 -m ssro_torch.export --state-dict X.pt --model resnet18 --target one_minus_d \\
      --side 133 --kmax 1.0 --delta-k 0.015 --out model.onnx [--dataset-id ID]
      [--transform log1-minmax | --transform log1-globalmax --global-log-max G]

The authors' own code divides log-intensities by the training set's maximum (log1-globalmax with that maximum as G);
their paper describes per-pattern min–max (log1-minmax, the default here).
"""
import argparse
import datetime
import io
import json
import math
import os

import torch

from . import FORMAT_VERSION
from .data import TARGETS
from .transforms import LOG1_GLOBALMAX, LOG1_MINMAX
from .transforms import preprocessing_record as transform_record
from .events import UserError, clean, emit, log, run_main
from .models import ARCHITECTURES, build_model, load_weights

METADATA_KEY = 'ssro'
OPSET = 13
METADATA_FIELD = 14


# ---- protobuf, just enough for metadata_props ----

def _varint(value):
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _read_varint(data, pos):
    result, shift = 0, 0
    while True:
        if pos >= len(data):
            raise ValueError('truncated varint')
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def _iter_fields(data):
    pos = 0
    while pos < len(data):
        start = pos
        tag, pos = _read_varint(data, pos)
        number, wire = tag >> 3, tag & 7
        if wire == 0:
            _, end = _read_varint(data, pos)
            value_start = pos
        elif wire == 1:
            value_start, end = pos, pos + 8
        elif wire == 2:
            length, value_start = _read_varint(data, pos)
            end = value_start + length
        elif wire == 5:
            value_start, end = pos, pos + 4
        else:
            raise ValueError(f'unsupported protobuf wire type {wire} at byte {start}')
        if end > len(data):
            raise ValueError(f'field {number} at byte {start} runs past the end of the data')
        yield number, wire, start, value_start, end
        pos = end


def _entry(data):
    key = value = ''
    for number, wire, _, vs, end in _iter_fields(data):
        if wire == 2 and number == 1:
            key = data[vs:end].decode('utf-8')
        elif wire == 2 and number == 2:
            value = data[vs:end].decode('utf-8')
    return key, value


def read_metadata(model_bytes):
    """metadata_props of a serialized ModelProto as a dict (a later duplicate key wins)."""
    out = {}
    for number, wire, _, vs, end in _iter_fields(model_bytes):
        if number == METADATA_FIELD and wire == 2:
            key, value = _entry(model_bytes[vs:end])
            out[key] = value
    return out


def with_metadata(model_bytes, entries):
    """The model with `entries` (str → str) as metadata_props: existing entries with those keys are dropped, the
    new ones appended; every other byte is kept as it was."""
    kept = bytearray()
    for number, wire, start, vs, end in _iter_fields(model_bytes):
        if number == METADATA_FIELD and wire == 2 and _entry(model_bytes[vs:end])[0] in entries:
            continue
        kept += model_bytes[start:end]
    for key, value in entries.items():
        k, v = key.encode('utf-8'), value.encode('utf-8')
        entry = b'\x0a' + _varint(len(k)) + k + b'\x12' + _varint(len(v)) + v
        kept += _varint((METADATA_FIELD << 3) | 2) + _varint(len(entry)) + entry
    return bytes(kept)


# ---- export ----

def preprocessing_record(side, kmax_inv_a, delta_k_inv_a, transform=LOG1_MINMAX, global_log_max=None):
    """The record of an imported checkpoint's transform (log1-minmax unless stated)."""
    return transform_record(transform, side, kmax_inv_a, delta_k_inv_a, global_log_max=global_log_max)


def ssro_metadata(architecture, target, preprocessing, *, dataset_id=None, metrics=None, epochs=None,
                  best_epoch=None, seed=None, source=None, members=1, ensemble=None, ood=None, tta='none', init=None,
                  split=None):
    """The JSON object stored under the 'ssro' key (see the module docstring)."""
    side = preprocessing['side']
    return {
        'format': 'ssro-model',
        'version': FORMAT_VERSION,
        'architecture': architecture,
        'target': target,
        'input': {'name': 'patterns', 'shape': ['batch', 1, side, side]},
        'output': {'name': 'prediction', 'shape': ['batch', int(members)], 'units': target},
        'preprocessing': preprocessing,
        'trainingDatasetId': dataset_id,
        'metrics': metrics,
        'epochs': epochs,
        'bestEpoch': best_epoch,
        'seed': seed,
        'source': source,
        'torch': torch.__version__,
        'createdAt': datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='milliseconds').replace('+00:00', 'Z'),
        'ensemble': ensemble,
        'ood': ood,
        'tta': tta,
        'init': init,
        'split': split,
    }


def export_onnx(model, side, out_path, metadata):
    """Exports `model` (any device; exported from a CPU copy in eval mode) to `out_path` atomically, with metadata."""
    model = model.to('cpu').eval()
    buffer = io.BytesIO()
    with torch.no_grad():
        torch.onnx.export(
            model, torch.zeros(1, 1, side, side), buffer, opset_version=OPSET, input_names=['patterns'],
            output_names=['prediction'], dynamic_axes={'patterns': {0: 'batch'}, 'prediction': {0: 'batch'}},
            do_constant_folding=True)
    value = json.dumps(clean(metadata), allow_nan=False, separators=(',', ':'))
    data = with_metadata(buffer.getvalue(), {METADATA_KEY: value})
    write_bytes_atomic(out_path, data)
    return out_path


def write_bytes_atomic(path, data):
    """Writes a temp file next to `path`, fsyncs it and renames it into place."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    tmp = f'{path}.tmp-{os.getpid()}'
    with open(tmp, 'wb') as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def expected_side(kmax_inv_a, delta_k_inv_a):
    """main/shared/diffraction.ts patternSide: 2·floor(kmax/Δk) + 1."""
    return 2 * math.floor(kmax_inv_a / delta_k_inv_a + 1e-9) + 1


def main(argv=None):
    parser = argparse.ArgumentParser(prog='python3 -m ssro_torch.export', description=__doc__.split('\n\n')[0])
    parser.add_argument('--state-dict', required=True, help='a .pt state_dict or checkpoint (module. prefixes and '
                        "{'state_dict'|'model_state_dict'|'model': …} wrappers are accepted)")
    parser.add_argument('--model', choices=ARCHITECTURES, required=True)
    parser.add_argument('--target', choices=TARGETS, help="what the model predicts: 'd' or 'one_minus_d' (the authors' convention)")
    parser.add_argument('--side', type=int, help='pattern side in pixels the model was trained on (e.g. 133)')
    parser.add_argument('--kmax', type=float, help='kmax of the training k-grid, Å⁻¹ (e.g. 1.0)')
    parser.add_argument('--delta-k', type=float, help='pixel size Δk of the training k-grid, Å⁻¹ (e.g. 0.015)')
    parser.add_argument('--out', required=True, help='the .onnx file to write')
    parser.add_argument('--dataset-id', help='training dataset id to record (optional)')
    parser.add_argument('--threads', type=int, help='torch.set_num_threads')
    parser.add_argument('--transform', choices=(LOG1_MINMAX, LOG1_GLOBALMAX), default=LOG1_MINMAX,
                        help="the model's input transform: log1-minmax (per-pattern min-max, the paper's text; default) "
                             "or log1-globalmax (divide by the training set's maximum log-intensity, the authors' code)")
    parser.add_argument('--global-log-max', type=float, help='G of log1-globalmax: the training set\'s maximum of '
                        'log(max(I, 1)) (required with --transform log1-globalmax)')
    args = parser.parse_args(argv)
    if args.transform == LOG1_GLOBALMAX:
        if args.global_log_max is None or not (math.isfinite(args.global_log_max) and args.global_log_max > 0):
            raise UserError('--transform log1-globalmax needs --global-log-max G, a number > 0: the maximum of '
                            'log(max(I, 1)) over the training set the model was trained on')
    elif args.global_log_max is not None:
        raise UserError('--global-log-max applies to --transform log1-globalmax only')

    missing = [flag for flag, value in (('--target', args.target), ('--side', args.side), ('--kmax', args.kmax),
                                        ('--delta-k', args.delta_k)) if value is None]
    if missing:
        raise UserError(f'give {", ".join(missing)}: a model is only usable with the preprocessing it was trained with '
                        f'(target units, pattern side and k-grid; the authors\' models: --target one_minus_d --side 133 '
                        f'--kmax 1.0 --delta-k 0.015)')
    if not (args.kmax > 0 and args.delta_k > 0):
        raise UserError('--kmax and --delta-k must be positive (Å⁻¹)')
    if expected_side(args.kmax, args.delta_k) != args.side:
        raise UserError(f'--side {args.side} does not match the k-grid: kmax {args.kmax} / Δk {args.delta_k} gives '
                        f'{expected_side(args.kmax, args.delta_k)} pixels')
    if args.threads:
        torch.set_num_threads(args.threads)
    # invariant-mlp builds its rings from the k-grid (the side alone implies the paper's grid); others ignore it.
    model = build_model(args.model, args.side, kmax_inv_a=args.kmax, delta_k_inv_a=args.delta_k)
    load_weights(model, args.state_dict, args.model)
    record = preprocessing_record(args.side, args.kmax, args.delta_k, args.transform, args.global_log_max)
    metadata = ssro_metadata(args.model, args.target, record,
                             dataset_id=args.dataset_id,
                             source={'kind': 'imported-state-dict', 'file': os.path.basename(args.state_dict)})
    export_onnx(model, args.side, args.out, metadata)
    log(f'wrote {args.out}')
    emit('done', out=os.path.abspath(args.out), metadata=metadata)


if __name__ == '__main__':
    run_main(main)
