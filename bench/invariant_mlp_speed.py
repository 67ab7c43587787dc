"""Training throughput of 'invariant-mlp' against 'compactcnn' and 'resnet18': images per second of one optimiser
step (forward, L1 loss, backward, Adam) on random (batch, 1, S, S) inputs, with the parameter count and the size of
the ONNX file ssro_torch.export writes. Not a test: numbers depend on the machine and its load.

  PYTHONPATH=native-workers/train/python python3 bench/invariant_mlp_speed.py [--side 133] [--batch 64]
      [--threads 2] [--steps 10] [--models invariant-mlp,compactcnn,resnet18]

Each model gets 2 warm-up steps, then the best of 3 timed blocks of --steps steps is kept (on a shared machine
noise only ever adds time). imagesPerCpuSecond divides by the process's CPU time (all its threads) instead of the
wall time: on a loaded machine it says more about the relative cost of the models than images per second does.
"""
import argparse
import json
import os
import tempfile
import time

import torch

from ssro_torch.export import export_onnx, ssro_metadata
from ssro_torch.models import build_model
from ssro_torch.transforms import preprocessing_record

GRIDS = {133: (1.0, 0.015), 67: (1.0, 0.03)}


def measure(name, side, batch, steps):
    torch.manual_seed(0)
    model = build_model(name, side)
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.rand(batch, 1, side, side)
    target = torch.rand(batch, 1)

    def step():
        optimiser.zero_grad(set_to_none=True)
        loss = torch.nn.functional.l1_loss(model(x), target)
        loss.backward()
        optimiser.step()

    model.train()
    for _ in range(2):
        step()
    best = best_cpu = float('inf')
    for _ in range(3):
        start, start_cpu = time.perf_counter(), time.process_time()
        for _ in range(steps):
            step()
        best = min(best, time.perf_counter() - start)
        best_cpu = min(best_cpu, time.process_time() - start_cpu)
    kmax, dk = GRIDS.get(side, (1.0, 1.0 / ((side - 1) // 2)))
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, 'model.onnx')
        export_onnx(model, side, path, ssro_metadata(name, 'd', preprocessing_record('annulus-log', side, kmax, dk)))
        onnx_bytes = os.path.getsize(path)
    return {'model': name, 'side': side, 'batch': batch, 'threads': torch.get_num_threads(),
            'imagesPerSecond': round(batch * steps / best, 1), 'imagesPerCpuSecond': round(batch * steps / best_cpu, 1),
            'parameters': sum(p.numel() for p in model.parameters()), 'onnxBytes': onnx_bytes}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--side', type=int, default=133)
    parser.add_argument('--batch', type=int, default=64)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--steps', type=int, default=10)
    parser.add_argument('--models', default='invariant-mlp,compactcnn,resnet18')
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    for name in args.models.split(','):
        print(json.dumps(measure(name, args.side, args.batch, args.steps)), flush=True)


if __name__ == '__main__':
    main()
