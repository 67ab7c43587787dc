"""PyTorch CPU inference of a state_dict or checkpoint on a .npy stack of patterns: the reference the ONNX export and
benchmarks are compared against.

  python3 -m ssro_torch.predict --weights best.pt --model basecnn --input stack.npy --out predictions.npy
      [--preprocessed] [--batch-size 64] [--threads N]

The input is (N, S, S) or (S, S) raw intensities, made into model inputs with --transform (log1-minmax by default;
annulus-log needs --kmax and --delta-k) as model-input.ts does, or, with --preprocessed, model inputs already. The output is (N,) float32 in the model's target units — exactly what
the ONNX 'prediction' output holds (convert 1 − d models to d yourself). Prints {"event":"done",…} on stdout.
"""
import argparse
import io
import os

import numpy as np
import torch

from .transforms import ANNULUS_LOG, LOG1_MINMAX, model_input, preprocessing_record
from .events import UserError, emit, run_main
from .export import write_bytes_atomic
from .models import (ARCHITECTURES, build_model, grid_from_state, infer_side_from_state, load_file, load_weights,
                     unwrap_state_dict)


def load_model(weights, architecture, side):
    """A CPU eval-mode model with the weights of a state_dict/checkpoint file (checked key by key)."""
    state = unwrap_state_dict(load_file(weights), weights)
    inferred = infer_side_from_state(state, architecture)
    # invariant-mlp weights record the k-grid and beam mask their rings were built on; rebuild on the same ones.
    model = build_model(architecture, inferred or side, **grid_from_state(state, architecture))
    load_weights(model, state, architecture, source=weights)
    return model.eval()


def predict_inputs(model, inputs, batch_size=64):
    """Model outputs (N,) float32 for model inputs (N, S, S) float32."""
    out = np.empty(inputs.shape[0], dtype=np.float32)
    with torch.no_grad():
        for start in range(0, inputs.shape[0], batch_size):
            batch = torch.from_numpy(np.ascontiguousarray(inputs[start:start + batch_size], dtype=np.float32)).unsqueeze(1)
            out[start:start + batch.shape[0]] = model(batch).reshape(-1).numpy()
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(prog='python3 -m ssro_torch.predict', description=__doc__.split('\n\n')[0])
    parser.add_argument('--weights', required=True)
    parser.add_argument('--model', choices=ARCHITECTURES, required=True)
    parser.add_argument('--input', required=True, help='.npy (N, S, S) or (S, S)')
    parser.add_argument('--out', required=True, help='.npy (N,) float32 predictions in target units')
    parser.add_argument('--preprocessed', action='store_true', help='the input is already model input')
    parser.add_argument('--transform', choices=(LOG1_MINMAX, ANNULUS_LOG), default=LOG1_MINMAX,
                        help='the model\'s input transform (its recorded preprocessing)')
    parser.add_argument('--kmax', type=float, help='annulus-log: kmax of the grid (Å⁻¹)')
    parser.add_argument('--delta-k', type=float, help='annulus-log: Δk of the grid (Å⁻¹)')
    parser.add_argument('--batch-size', type=int, default=64)
    parser.add_argument('--threads', type=int)
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    if not os.path.exists(args.input):
        raise UserError(f'{args.input}: no such file')
    stack = np.load(args.input, mmap_mode='r', allow_pickle=False)
    if stack.ndim == 2:
        stack = stack[None]
    if stack.ndim != 3 or stack.shape[1] != stack.shape[2]:
        raise UserError(f'{args.input}: shape {stack.shape}; expected (N, S, S) or (S, S) square patterns')
    if args.preprocessed:
        inputs = np.asarray(stack, dtype=np.float32)
    else:
        try:
            record = preprocessing_record(args.transform, stack.shape[1], args.kmax, args.delta_k)
            inputs = np.stack([model_input(pattern, record) for pattern in stack])
        except ValueError as error:
            raise UserError(f'{args.input}: {error}') from None
    model = load_model(args.weights, args.model, stack.shape[1])
    predictions = predict_inputs(model, inputs, args.batch_size)
    buffer = io.BytesIO()
    np.save(buffer, predictions)
    write_bytes_atomic(args.out, buffer.getvalue())
    emit('done', out=os.path.abspath(args.out), count=int(predictions.size))


if __name__ == '__main__':
    run_main(main)
