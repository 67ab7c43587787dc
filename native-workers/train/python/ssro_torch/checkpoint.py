"""Training checkpoints (last.pt) that load with ``torch.load(..., weights_only=True)`` on every PyTorch ≥ 1.13.

weights_only admits tensors, dicts, lists, tuples, strings, ints and booleans (PyTorch 1.13 not even floats), while a
checkpoint also needs optimizer and scheduler settings, the history, the RNG states (NumPy's holds an array) and the
run's fingerprint. So a checkpoint is::

  {'format': 'ssro-train-checkpoint', 'version': 2, 'epoch': int,
   'model': state_dict, 'bestModel': state_dict,          # plain tensors: any tool can read the weights
   'emaModel': state_dict,                                # the weight average (emaDecay); absent without one
   'state': str,                                          # everything else as JSON (see `pack`)
   'tensors': [tensor, …]}                                # the tensors that JSON refers to by position

JSON encoding of `pack`: str-keyed dicts → objects; other dicts → {"__dict__": [[key, value], …]}; tuples →
{"__tuple__": […]}; tensors → {"__tensor__": i}; NumPy arrays → {"__ndarray__": i, "dtype": name} (stored as an
int64 or float64 tensor, which every PyTorch can hold); NumPy scalars → Python numbers; NaN and ±Infinity as Python's
json writes and reads them. Floats survive exactly (Python writes the shortest repr that reads back to the same bits).
"""
import json

import numpy as np
import torch

from .events import UserError
from .safe_load import load_tensors

CHECKPOINT_FORMAT = 'ssro-train-checkpoint'
#: 1: pickled NumPy arrays and Python floats (needed unpickling arbitrary objects); 2: this layout.
CHECKPOINT_VERSION = 2
_MARKERS = ('__dict__', '__tuple__', '__tensor__', '__ndarray__')


def pack(value):
    """(json_text, tensors) for a structure of dicts, lists, tuples, tensors, NumPy arrays and plain values."""
    tensors = []

    def encode(v):
        if isinstance(v, torch.Tensor):
            tensors.append(v.detach().to('cpu'))
            return {'__tensor__': len(tensors) - 1}
        if isinstance(v, np.ndarray):
            wide = np.int64 if v.dtype.kind in 'biu' else np.float64
            if v.dtype.kind not in 'biuf':
                raise TypeError(f'cannot store a NumPy array of dtype {v.dtype} in a checkpoint')
            tensors.append(torch.from_numpy(np.ascontiguousarray(v, dtype=wide)))
            return {'__ndarray__': len(tensors) - 1, 'dtype': v.dtype.str}
        if isinstance(v, np.generic):
            return v.item()
        if isinstance(v, dict):
            if all(isinstance(k, str) for k in v) and not any(k in _MARKERS for k in v):
                return {k: encode(x) for k, x in v.items()}
            return {'__dict__': [[encode(k), encode(x)] for k, x in v.items()]}
        if isinstance(v, tuple):
            return {'__tuple__': [encode(x) for x in v]}
        if isinstance(v, list):
            return [encode(x) for x in v]
        if v is None or isinstance(v, (bool, int, float, str)):
            return v
        raise TypeError(f'cannot store a {type(v).__name__} in a checkpoint')

    return json.dumps(encode(value), allow_nan=True, separators=(',', ':')), tensors


def unpack(text, tensors):
    """The structure `pack` stored."""

    def tensor(i):
        if not isinstance(i, int) or not 0 <= i < len(tensors) or not isinstance(tensors[i], torch.Tensor):
            raise ValueError(f'tensor reference {i!r} out of range')
        return tensors[i]

    def decode(v):
        if isinstance(v, list):
            return [decode(x) for x in v]
        if not isinstance(v, dict):
            return v
        if set(v) == {'__tensor__'}:
            return tensor(v['__tensor__'])
        if set(v) == {'__ndarray__', 'dtype'}:
            return tensor(v['__ndarray__']).numpy().astype(np.dtype(v['dtype']))
        if set(v) == {'__tuple__'}:
            return tuple(decode(x) for x in v['__tuple__'])
        if set(v) == {'__dict__'}:
            return {_hashable(decode(k)): decode(x) for k, x in v['__dict__']}
        return {k: decode(x) for k, x in v.items()}

    return decode(json.loads(text))


def _hashable(key):
    return tuple(key) if isinstance(key, list) else key


def checkpoint_dict(epoch, model_state, best_model_state, state, ema_state=None):
    """The object to torch.save as last.pt; `state` is everything else (see the module docstring)."""
    text, tensors = pack(state)
    out = {'format': CHECKPOINT_FORMAT, 'version': CHECKPOINT_VERSION, 'epoch': int(epoch), 'model': model_state,
           'bestModel': best_model_state, 'state': text, 'tensors': tensors}
    if ema_state is not None:
        out['emaModel'] = ema_state
    return out


def read_checkpoint(path):
    """A last.pt as one dict (epoch, model, bestModel and the packed state's keys), read without running code from
    it; UserError naming the file when it is not a checkpoint of this version or cannot be read safely."""
    how = (f'delete {path} to start this run over (best.pt next to it holds the best weights so far and can start a '
           f'new run as its initial state_dict), or choose another output folder')
    obj = load_tensors(path, advice=f'the run cannot resume from it (a last.pt written by SSRO Studio before its '
                                    f'checkpoints became weights-only is refused the same way): {how}')
    if not isinstance(obj, dict) or obj.get('format') != CHECKPOINT_FORMAT:
        raise UserError(f'{path} is not a training checkpoint of this app; choose another output folder')
    if obj.get('version') != CHECKPOINT_VERSION or not isinstance(obj.get('state'), str):
        raise UserError(f'{path} is a training checkpoint of format version {obj.get("version")!r}; this version of '
                        f'SSRO Studio resumes version {CHECKPOINT_VERSION} only: {how}')
    tensors = obj.get('tensors')
    try:
        state = unpack(obj['state'], tensors if isinstance(tensors, list) else [])
    except (ValueError, TypeError, KeyError) as error:
        raise UserError(f'{path}: the checkpoint is damaged ({error}): {how}') from None
    if not isinstance(state, dict):
        raise UserError(f'{path}: the checkpoint is damaged (its state is not a dict): {how}')
    for key in ('model', 'bestModel'):
        if not isinstance(obj.get(key), dict):
            raise UserError(f'{path}: the checkpoint is damaged (no {key} weights): {how}')
    ema = obj.get('emaModel')
    if ema is not None and not isinstance(ema, dict):
        raise UserError(f'{path}: the checkpoint is damaged (its emaModel is not a state_dict): {how}')
    state.update(epoch=obj.get('epoch'), model=obj['model'], bestModel=obj['bestModel'], emaModel=ema)
    return state
