"""The two architectures of papers/000 §2.3 (ResNet-18 with a 1-channel stem and one output; the base CNN), a compact
CNN meant as a deep-ensemble member, a rotation-invariant ring-feature MLP ('invariant-mlp', ssro_torch.invariant),
the ensemble container (Lakshminarayanan, Pritzel & Blundell 2017), and loading weights into them with every key and
shape checked: the authors' published checkpoints, our own checkpoints, and a torchvision ImageNet state_dict for
transfer learning (never downloaded here)."""
import collections

import torch
from torch import nn
import torchvision

from .events import UserError
from .invariant import InvariantMLP
from .safe_load import load_tensors

ARCHITECTURES = ('resnet18', 'basecnn', 'compactcnn', 'invariant-mlp')
MAX_MEMBERS = 16


def resnet18():
    """torchvision ResNet-18, conv1 → Conv2d(1, 64, 7, 2, 3, bias=False), fc → Linear(512, 1), no output activation
    (the authors' public code, so their state_dicts load unchanged)."""
    model = torchvision.models.resnet18(weights=None)
    model.conv1 = nn.Conv2d(1, 64, kernel_size=7, stride=2, padding=3, bias=False)
    model.fc = nn.Linear(512, 1)
    return model


def _pooled_side(side):
    # Three 2×2 max-pools with floor: 133 → 66 → 33 → 16.
    for _ in range(3):
        side //= 2
    return side


class BaseCNN(nn.Module):
    """The paper's comparison model: three 3×3 conv layers (32/64/128 channels, ReLU, 2×2 max-pool) and two fully
    connected layers (→ 128 → 1). The first fully connected layer depends on the input side, so `side` is part of
    the architecture (a state_dict records it in fc1.weight's shape)."""

    def __init__(self, side=133):
        super().__init__()
        if _pooled_side(side) < 1:
            raise UserError(f'basecnn needs patterns of at least 8×8 pixels (got {side})')
        self.side = side
        self.features = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(2),
            nn.Conv2d(64, 128, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(2),
        )
        self.fc1 = nn.Linear(128 * _pooled_side(side) ** 2, 128)
        self.fc2 = nn.Linear(128, 1)

    def forward(self, x):
        x = torch.flatten(self.features(x), 1)
        return self.fc2(torch.relu(self.fc1(x)))


def _conv_bn_relu(cin, cout, stride):
    return [nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]


class CompactCNN(nn.Module):
    """A small CNN for one deep-ensemble member: five stages of 3×3 convolutions with BatchNorm and ReLU, each opened
    by a stride-2 convolution (channels 16 → 32 → 64 → 96 → 128; stages 3–5 add a stride-1 convolution, where the
    maps are small and extra depth is cheap), global average pooling, Linear 128 → 64, ReLU, Linear 64 → 1.

    Measured at 133 × 133 (torch forward hooks, conv and linear layers): 39.6 M multiply-adds per pattern and
    465,905 parameters; an ensemble of five costs about a third of one ResNet-18 (≈ 0.6 G multiply-adds at 133²).
    Global pooling makes it work for any side ≥ 1 (the state_dict does not depend on the side)."""

    WIDTHS = (16, 32, 64, 96, 128)
    EXTRA = (False, False, True, True, True)

    def __init__(self):
        super().__init__()
        layers, cin = [], 1
        for width, extra in zip(self.WIDTHS, self.EXTRA):
            layers += _conv_bn_relu(cin, width, 2)
            if extra:
                layers += _conv_bn_relu(width, width, 1)
            cin = width
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.head = nn.Sequential(nn.Linear(cin, 64), nn.ReLU(inplace=True), nn.Linear(64, 1))

    def forward(self, x):
        return self.head(torch.flatten(self.pool(self.features(x)), 1))


class Ensemble(nn.Module):
    """K independent members of one architecture side by side: input (B, 1, S, S) → output (B, K), column m = member
    m's prediction in target units (a deep ensemble, Lakshminarayanan, Pritzel & Blundell 2017). Member m is
    initialised after torch.manual_seed(member_seed(seed, m)), so members differ from the start."""

    def __init__(self, members):
        super().__init__()
        self.members = nn.ModuleList(members)

    def forward(self, x):
        return torch.cat([member(x).reshape(x.shape[0], 1) for member in self.members], dim=1)


def _build_one(architecture, side, grid):
    if architecture == 'resnet18':
        return resnet18()
    if architecture == 'basecnn':
        return BaseCNN(side)
    if architecture == 'compactcnn':
        return CompactCNN()
    if architecture == 'invariant-mlp':
        return InvariantMLP(side, **grid)
    raise UserError(f"unknown model '{architecture}'; choose one of {', '.join(ARCHITECTURES)}")


def build_model(architecture, side=133, members=1, member_seeds=None, kmax_inv_a=None, delta_k_inv_a=None,
                beam_mask_inv_a=None):
    """A freshly initialised model (seed torch's RNG first for reproducible weights). members > 1: an Ensemble whose
    member m is built right after torch.manual_seed(member_seeds[m]); members = 1 is the bare architecture (its
    state_dict keys are those of the authors' code).

    The k-grid (kmax_inv_a, delta_k_inv_a, Å⁻¹) and the annulus-log beam mask (beam_mask_inv_a) only shape
    invariant-mlp, whose ring features need |K| per node; left None they default to the paper's grid for the side
    (ssro_torch.invariant.default_grid) and a 0.1 Å⁻¹ mask. The other architectures ignore them."""
    grid = {'kmax_inv_a': kmax_inv_a, 'delta_k_inv_a': delta_k_inv_a, 'beam_mask_inv_a': beam_mask_inv_a}
    if members == 1:
        return _build_one(architecture, side, grid)
    if not 2 <= members <= MAX_MEMBERS:
        raise UserError(f'an ensemble has 1 to {MAX_MEMBERS} members (got {members})')
    if member_seeds is None or len(member_seeds) != members:
        raise ValueError('an ensemble needs one seed per member')
    built = []
    for seed in member_seeds:
        torch.manual_seed(seed)
        built.append(_build_one(architecture, side, grid))
    return Ensemble(built)


def unwrap_state_dict(obj, source):
    """The tensor dict inside a loaded file: a bare state_dict, {'state_dict': …}, {'model_state_dict': …} or our
    checkpoints ({'model': …}); 'module.' prefixes (DataParallel) are removed. Files are read with load_file, which
    refuses pickled objects such as a whole nn.Module (unpickling them runs code)."""
    if isinstance(obj, nn.Module):
        # load_file never returns one; a caller passing a live module gets the same rule as a file would.
        raise UserError(f'{source} is a whole model object, not a state_dict; SSRO Studio loads only state_dicts '
                        f'(weights): pass model.state_dict()')
    if isinstance(obj, dict):
        for key in ('state_dict', 'model_state_dict', 'model'):
            inner = obj.get(key)
            if isinstance(inner, dict) and inner and all(isinstance(v, torch.Tensor) for v in inner.values()):
                obj = inner
                break
    if not isinstance(obj, dict) or not obj or not all(isinstance(v, torch.Tensor) for v in obj.values()):
        raise UserError(f'{source} holds no state_dict (expected a dict of tensors, or one under "state_dict", '
                        f'"model_state_dict" or "model")')
    keys = list(obj.keys())
    if all(k.startswith('module.') for k in keys):
        obj = collections.OrderedDict((k[len('module.'):], v) for k, v in obj.items())
    return obj


def load_file(path):
    """A PyTorch file's content on the CPU, read without running code from it (safe_load.load_tensors: tensors and
    plain values only); UserError naming the file for a missing, unreadable or refused file."""
    return load_tensors(path)


def _shape(t):
    return str(tuple(t.shape))


def check_state_dict(model, state, source, architecture, ignore_prefixes=(), show=5):
    """Raises UserError naming the first mismatching keys (shape, missing, unexpected) and what was expected.
    Keys under `ignore_prefixes` are skipped on both sides; missing BatchNorm num_batches_tracked is tolerated."""
    expected = {k: v for k, v in model.state_dict().items() if not k.startswith(tuple(ignore_prefixes))}
    given = {k: v for k, v in state.items() if not k.startswith(tuple(ignore_prefixes))}
    wrong_shape = [f'{k} has shape {_shape(given[k])}, expected {_shape(v)}'
                   for k, v in expected.items() if k in given and tuple(given[k].shape) != tuple(v.shape)]
    missing = [k for k in expected if k not in given and not k.endswith('num_batches_tracked')]
    unexpected = [k for k in given if k not in expected]
    if not (wrong_shape or missing or unexpected):
        return
    parts = []
    if wrong_shape:
        more = f' (and {len(wrong_shape) - show} more)' if len(wrong_shape) > show else ''
        parts.append('; '.join(wrong_shape[:show]) + more)
    if missing:
        more = f' (and {len(missing) - show} more)' if len(missing) > show else ''
        parts.append('missing keys: ' + ', '.join(missing[:show]) + more)
    if unexpected:
        more = f' (and {len(unexpected) - show} more)' if len(unexpected) > show else ''
        parts.append('unexpected keys: ' + ', '.join(unexpected[:show]) + more)
    hint = ''
    if architecture == 'resnet18':
        hint = (' (expected a torchvision ResNet-18 with conv1 = Conv2d(1, 64, 7, 2, 3, bias=False), i.e. conv1.weight '
                '(64, 1, 7, 7), and fc = Linear(512, 1), i.e. fc.weight (1, 512))')
    raise UserError(f'{source} does not fit the {architecture} architecture{hint}: ' + '; '.join(parts))


def load_weights(model, path_or_state, architecture, source=None):
    """Loads a full state_dict (checked key by key and shape by shape) into `model`."""
    source = source or str(path_or_state)
    obj = load_file(path_or_state) if isinstance(path_or_state, str) else path_or_state
    state = unwrap_state_dict(obj, source)
    check_state_dict(model, state, source, architecture)
    missing_ok = {k: v for k, v in model.state_dict().items() if k not in state}
    merged = dict(state)
    merged.update(missing_ok)  # only num_batches_tracked can be missing here
    model.load_state_dict(merged, strict=True)
    return model


def load_imagenet_init(model, path):
    """Transfer-learning start from a torchvision resnet18 ImageNet state_dict file: conv1's RGB kernels are averaged
    to one channel, fc is skipped (it stays freshly initialised), every other key and shape must match."""
    obj = load_file(path)
    state = dict(unwrap_state_dict(obj, path))
    conv1 = state.get('conv1.weight')
    if conv1 is None or conv1.dim() != 4 or conv1.shape[1] not in (1, 3):
        got = 'missing' if conv1 is None else f'shape {_shape(conv1)}'
        raise UserError(f'{path}: conv1.weight is {got}; expected a torchvision resnet18 state_dict with conv1.weight (64, 3, 7, 7)')
    state['conv1.weight'] = conv1.float().mean(dim=1, keepdim=True) if conv1.shape[1] == 3 else conv1
    check_state_dict(model, state, path, 'resnet18', ignore_prefixes=('fc.',))
    own = model.state_dict()
    for k, v in state.items():
        if not k.startswith('fc.'):
            own[k] = v.to(own[k].dtype)
    model.load_state_dict(own, strict=True)
    return model


def _invariant_geometry(state):
    for key, value in state.items():
        if key.endswith('ring_features.geometry') and isinstance(value, torch.Tensor) and value.numel() == 5:
            # Stored as float32: 7 significant digits give back the float64 the model was built from (0.03, not
            # 0.029999999329…), so a rebuilt model puts boundary nodes in the same rings.
            return [float(f'{v:.7g}') for v in value.tolist()]
    return None


def grid_from_state(state, architecture):
    """The build_model keywords (kmax_inv_a, delta_k_inv_a, beam_mask_inv_a) an invariant-mlp state_dict was
    trained with (its recorded geometry); {} for other architectures or a state_dict without it."""
    geometry = _invariant_geometry(state) if architecture == 'invariant-mlp' else None
    if geometry is None:
        return {}
    return {'kmax_inv_a': geometry[1], 'delta_k_inv_a': geometry[2], 'beam_mask_inv_a': geometry[3]}


def infer_side_from_state(state, architecture):
    """For basecnn the input side follows from fc1.weight (128, 128·p²) with p = the pooled side; invariant-mlp
    records it with its geometry; None otherwise."""
    if architecture == 'invariant-mlp':
        geometry = _invariant_geometry(state)
        return None if geometry is None else int(round(geometry[0]))
    if architecture != 'basecnn' or 'fc1.weight' not in state:
        return None
    flat = state['fc1.weight'].shape[1]
    pooled = int(round((flat / 128) ** 0.5))
    for side in range(8 * pooled, 8 * pooled + 8):
        if _pooled_side(side) == pooled:
            return side
    return None
