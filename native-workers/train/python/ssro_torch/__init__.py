"""ssro_torch: the PyTorch side of SSRO Studio's training engine (models, data, augmentation, training, ONNX export).

Run from native-workers/train/python (cwd or PYTHONPATH), e.g. ``python3 -m ssro_torch.train --config run.json``.
Every command speaks JSON lines on stdout (see ssro_torch.events) and human-readable text on stderr.
"""

import os

# OpenMP threads that spin while waiting collapse throughput when another process (LAMMPS, a second job) holds a
# core: measured 3.5× slower on 2 cores. Passive waiting costs little when the machine is idle. Set before torch
# is imported (every module of the package imports it after this file runs); the user's own setting wins.
os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')

__all__ = ['FORMAT_VERSION']

#: Version of the file formats this package writes (checkpoints, history.json, metrics.json, ONNX metadata).
FORMAT_VERSION = 1
