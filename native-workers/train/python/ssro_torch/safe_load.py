"""Reading PyTorch files (.pt, .pth, .ckpt, .bin) without running code from them.

A PyTorch file is a pickle, and unpickling may call any Python function the file names (os.system, eval, …): a
downloaded checkpoint could run commands the moment it is opened. Every file is therefore read with
``torch.load(..., weights_only=True)``, whose unpickler builds only tensors, dicts, lists, tuples, strings, numbers
and booleans. A file that needs more (a whole pickled nn.Module, NumPy arrays, any other Python object) is refused
with a message naming what it holds and how to save weights alone. Two further guards:

* ``torch.load`` hands a TorchScript archive (torch.jit.save) to ``torch.jit.load`` even with weights_only=True; a
  TorchScript archive is a program, so it is refused before torch.load sees it;
* a PyTorch without the weights_only argument (before 1.13) is refused rather than loading unsafely.

PyTorch 1.13 (Debian 12) allows fewer kinds of value than later versions: notably no Python floats. Our own
checkpoints keep their numbers in a JSON string (see ssro_torch.checkpoint) so they load on every version.

Nothing here unpickles: the description of a refused file comes from ``pickletools.genops``, which only parses.
"""
import inspect
import os
import pickletools
import re
import zipfile

import torch

from .events import UserError

SAVE_WEIGHTS_HINT = ("if you trust where it came from, load it in your own Python and save the weights alone with "
                     "torch.save(model.state_dict(), 'weights.pt')")

#: Globals a state_dict pickle names when torch's own allow-list cannot be read (a future PyTorch).
_STATE_DICT_GLOBALS = re.compile(r'^(collections\.OrderedDict|torch\.Size|torch\.Tensor|torch\.nn\.parameter\.Parameter'
                                 r'|torch\._utils\._rebuild_\w+|torch\.serialization\._get_layout|torch\.\w*Storage'
                                 r'|torch\.(u?int\d+|float\d+|bfloat16|complex\d+|bool|half|double))$')
#: How torch names the global it refused, in 1.13 and in 2.x.
_REFUSED_GLOBAL = re.compile(r'Unsupported class ([\w.]+)|Unsupported global: GLOBAL ([\w.]+)'
                             r'|unrecognized function ([\w.<> ]+)|unsupported class ([\w.]+)')
_MODULE_PREFIXES = ('torch.nn.modules.', 'torchvision.models.', 'torch.jit.', '__main__.')


def weights_only_supported():
    """True when this torch.load accepts weights_only (PyTorch ≥ 1.13)."""
    try:
        return 'weights_only' in inspect.signature(torch.load).parameters
    except (TypeError, ValueError):
        return False


def _is_torchscript(f):
    """For an open file: torch.load's own test (an archive with constants.pkl), and failing that any code/ or
    constants.pkl entry. Leaves the file at its start."""
    try:
        if not zipfile.is_zipfile(f):
            return False
        f.seek(0)
        check = getattr(torch.serialization, '_is_torchscript_zip', None)
        reader = getattr(torch._C, 'PyTorchFileReader', None)
        if check is not None and reader is not None:
            try:
                if check(reader(f)):
                    return True
            except Exception:  # noqa: BLE001 - unreadable by torch: torch.load will say so; keep checking names
                pass
        f.seek(0)
        try:
            with zipfile.ZipFile(f) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, OSError):
            return False
        return any(n.split('/')[-1] == 'constants.pkl' or '/code/' in f'/{n}' for n in names)
    finally:
        f.seek(0)


def _pickle_streams(path, limit=64 * 1024 * 1024):
    """The pickle bytes of a file: data.pkl of a zip checkpoint, or the file itself (legacy format)."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if info.filename.split('/')[-1] == 'data.pkl' and info.file_size <= limit:
                    return [archive.read(info)]
        return []
    with open(path, 'rb') as f:
        return [f.read(limit)]


def _allowed_globals():
    getter = getattr(getattr(torch, '_weights_only_unpickler', None), '_get_allowed_globals', None)
    try:
        return set(getter()) if getter is not None else set()
    except Exception:  # noqa: BLE001 - a changed private API: fall back to the pattern
        return set()


def _scan(data, names):
    """Globals named by the pickle at the start of `data`; returns where it ends (None if it does not parse)."""
    memo, last_string = {}, None
    strings = []
    for op, arg, at in pickletools.genops(data):
        pushed = None
        if op.name == 'GLOBAL':
            names.append(str(arg).replace(' ', '.'))
        elif op.name == 'STACK_GLOBAL' and len(strings) >= 2:
            names.append(f'{strings[-2]}.{strings[-1]}')
        elif isinstance(arg, str) and ('UNICODE' in op.name or 'STRING' in op.name):
            pushed = arg
        elif op.name == 'MEMOIZE':
            memo[len(memo)] = last_string
        elif op.name in ('BINPUT', 'LONG_BINPUT', 'PUT'):
            memo[arg] = last_string
        elif op.name in ('BINGET', 'LONG_BINGET', 'GET'):
            pushed = memo.get(arg)
        elif op.name == 'STOP':
            return at + 1
        if pushed is not None:
            strings.append(pushed)
        # MEMOIZE and PUT keep the top of the stack, so what was pushed before them stays "last".
        if op.name not in ('MEMOIZE', 'BINPUT', 'LONG_BINPUT', 'PUT'):
            last_string = pushed
    return None


def pickled_globals(path):
    """(parsed, names): whether the file parses as pickles, and the Python globals (module.name) they name, in order.
    Parsing only: pickletools reads opcodes and never builds objects."""
    names, parsed = [], False
    try:
        streams = _pickle_streams(path)
    except (OSError, zipfile.BadZipFile):
        return False, names
    for data in streams:
        pos = 0
        # A legacy-format file is several pickles in a row (magic number, version, sys info, the object, keys),
        # then raw tensor bytes, where parsing stops.
        for _ in range(8):
            try:
                end = _scan(data[pos:], names)
            except Exception:  # noqa: BLE001 - not (or no longer) a pickle
                break
            if end is None:
                break
            parsed = True
            pos += end
    return parsed, list(dict.fromkeys(names))


def _refusal(path, error, advice):
    """The UserError for a file torch refused under weights_only: what it holds, why we do not load it, what to do."""
    reason = str(error).split('WeightsUnpickler error:')[-1].strip().split('\n')[0]
    parsed, names = pickled_globals(path)
    if not parsed and not names:
        return UserError(f'{path}: not a PyTorch checkpoint ({reason})')
    allowed = _allowed_globals()
    foreign = [n for n in names if n not in allowed and not _STATE_DICT_GLOBALS.match(n)]
    refused = next((g.strip() for m in _REFUSED_GLOBAL.finditer(reason) for g in m.groups() if g), None)
    if refused and refused not in foreign:
        foreign.insert(0, refused)
    if foreign:
        shown = ', '.join(foreign[:4]) + (f' and {len(foreign) - 4} more' if len(foreign) > 4 else '')
        whole = any(n.startswith(_MODULE_PREFIXES) for n in foreign)
        what = ('a whole pickled model (torch.save(model, …)), not only its weights' if whole
                else 'not only tensors')
        return UserError(f'{path} holds pickled Python objects ({shown}), {what}; SSRO Studio loads only state_dicts '
                         f'(weights), because unpickling other objects can run any code; {advice}')
    floats = 'operand 71' in reason and torch.__version__.startswith('1.')
    extra = (f' (PyTorch {torch.__version__} cannot read plain Python numbers such as a learning rate safely; '
             f'PyTorch 2 can)') if floats else ''
    return UserError(f'{path} holds Python values besides tensors that cannot be read without running code from the '
                     f'file{extra}; SSRO Studio loads only state_dicts (weights); {advice} (PyTorch said: {reason})')


def load_tensors(path, advice=SAVE_WEIGHTS_HINT):
    """The content of a PyTorch file when it holds only tensors and plain values, on the CPU; UserError otherwise
    (missing file, not a PyTorch file, TorchScript, pickled objects), naming the file and the problem and ending a
    refusal with `advice` (what the user can do)."""
    path = str(path)
    if not os.path.exists(path):
        raise UserError(f'{path}: no such file')
    if os.path.isdir(path):
        raise UserError(f'{path} is a folder, not a PyTorch file')
    if not weights_only_supported():
        raise UserError(f'{path} was not read: PyTorch {torch.__version__} cannot load a file without running code '
                        f'from it (torch.load has no weights_only argument before PyTorch 1.13); install PyTorch 1.13 '
                        f'or later')
    # Newer PyTorch lets this variable turn weights_only off for callers that do not pass it; we pass it, and clear
    # the variable so that no version can apply it here.
    os.environ.pop('TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD', None)
    try:
        # One open file for the check and the load, so the file checked is the file loaded.
        with open(path, 'rb') as f:
            if _is_torchscript(f):
                raise UserError(f'{path} is a TorchScript archive (torch.jit.save): a program, not a state_dict; SSRO '
                                f'Studio loads only state_dicts (weights), because a program can do anything when '
                                f'loaded; {advice}')
            return torch.load(f, map_location='cpu', weights_only=True)
    except UserError:
        raise
    except Exception as error:  # noqa: BLE001 - every failure becomes a message naming the file
        if 'weights_only' in str(error).lower() or 'weights only' in str(error).lower():
            raise _refusal(path, error, advice) from None
        _, names = pickled_globals(path)
        if names and any(not _STATE_DICT_GLOBALS.match(n) and n not in _allowed_globals() for n in names):
            raise _refusal(path, error, advice) from None
        raise UserError(f'{path}: not a PyTorch checkpoint ({type(error).__name__}: {error})') from None
