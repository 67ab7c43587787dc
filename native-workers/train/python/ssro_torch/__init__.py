"""ssro_torch: the PyTorch side of SSRO Studio's training engine (models, data, augmentation, training, ONNX export).

Run from native-workers/train/python (cwd or PYTHONPATH), e.g. ``python3 -m ssro_torch.train --config run.json``.
Every command speaks JSON lines on stdout (see ssro_torch.events) and human-readable text on stderr.
"""

__all__ = ['FORMAT_VERSION']

#: Version of the file formats this package writes (checkpoints, history.json, metrics.json, ONNX metadata).
FORMAT_VERSION = 1
