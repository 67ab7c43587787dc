"""Reads a project dataset folder (native-workers/lib/datasets/pattern-store.ts) through NumPy memory maps, applies
the run's model-input transform (ssro_torch.transforms, the twin of native-workers/lib/diffraction/model-input.ts),
and serves seeded train/validation samples to a torch DataLoader: per sample (PatternSamples, the reference the tests
compare with) or, as training does, per whole batch (BatchStream with ssro_torch.batch_augment). A folder may be read
on every other k-node of its grid (input_side = (S + 1)/2; see coarse_side), the transform then using that grid.

Folder layout (N patterns, side S): dataset.json (manifest: grid.kmaxInvA, grid.deltaKInvA, side, patternKind,
metaColumns), patterns.npy (N, S, S) float32, labels.npy (N,) float64 = mean d, meta.npy (N, C) float64 with the
manifest's metaColumns (the 'region' column holds REGION_KINDS codes, −1 unknown), done.npy (N,) uint8 (1 = usable).
The split comes from the Node side as split.npy (N,) integers: 0 = train, 1 = validation, −1 = excluded.
"""
import json
import os

import numpy as np
import torch

from .events import UserError
from .transforms import (DEFAULT_TRANSFORM, LOG1_MINMAX, log1_minmax, model_input,  # noqa: F401 (re-exported)
                         preprocessing_record)

#: The v1 transform (kept for callers that name it; a run's transform is its config's 'transform').
MODEL_INPUT_TRANSFORM = LOG1_MINMAX

PATTERN_STORE_FORMAT = 'ssro-pattern-store'
#: native-workers/lib/analysis/regions.ts REGION_KINDS, in code order (meta.npy 'region' column).
REGION_KINDS = ('grain', 'actr', 'interior')
TARGETS = ('d', 'one_minus_d')
SPLIT_TRAIN, SPLIT_VALIDATION, SPLIT_EXCLUDED = 0, 1, -1


def to_target(d, target):
    """Mean d → the model's target units."""
    return d if target == 'd' else 1.0 - d


def to_d(prediction, target):
    """The model's output units → d."""
    return prediction if target == 'd' else 1.0 - prediction


def _load(path, what, mmap=True):
    if not os.path.exists(path):
        raise UserError(f'{path}: missing ({what})')
    try:
        return np.load(path, mmap_mode='r' if mmap else None, allow_pickle=False)
    except Exception as error:  # noqa: BLE001
        raise UserError(f'{path}: not a readable .npy file ({error})') from None


class DatasetFolder:
    """One dataset folder, opened read-only. Arrays are memory-mapped lazily per process, so DataLoader workers
    (forked or spawned) map the files themselves instead of receiving a copy."""

    def __init__(self, directory, transform=DEFAULT_TRANSFORM, transform_params=None, input_side=None):
        self.dir = os.path.abspath(directory)
        manifest_path = os.path.join(self.dir, 'dataset.json')
        if not os.path.exists(manifest_path):
            raise UserError(f'{self.dir}: not a dataset folder (no dataset.json); build the dataset first')
        with open(manifest_path, 'r', encoding='utf-8') as f:
            self.manifest = json.load(f)
        if self.manifest.get('format') != PATTERN_STORE_FORMAT:
            raise UserError(f'{manifest_path}: not a pattern store manifest (format {self.manifest.get("format")!r})')
        self.sample_count = int(self.manifest['sampleCount'])
        self.side = int(self.manifest['side'])
        grid = self.manifest.get('grid') or {}
        self.kmax_inv_a = grid.get('kmaxInvA')
        self.delta_k_inv_a = grid.get('deltaKInvA')
        self.pattern_kind = self.manifest.get('patternKind', 'raw-intensity')
        if self.pattern_kind not in ('raw-intensity', 'model-input'):
            raise UserError(f'{manifest_path}: unknown patternKind {self.pattern_kind!r}')
        self.meta_columns = list(self.manifest.get('metaColumns') or [])
        if self.pattern_kind == 'model-input' and transform != LOG1_MINMAX:
            raise UserError(f'{manifest_path}: the folder holds model inputs made with log1-minmax, not raw patterns; '
                            f"train on it with transform 'log1-minmax', or rebuild it with raw intensities")
        self.input_side, self.stride = self._input_grid(input_side, manifest_path)
        self.input_delta_k = None if self.delta_k_inv_a is None else float(self.delta_k_inv_a) * self.stride
        try:
            self.preprocessing_record = preprocessing_record(transform, self.input_side, self.kmax_inv_a,
                                                             self.input_delta_k, transform_params)
        except ValueError as error:
            raise UserError(f'{manifest_path}: {error} (dataset.json records grid {grid or None}); rebuild the dataset '
                            f"with a k-grid or train with transform 'log1-minmax'") from None
        self.transform = transform
        self._pid = None
        self._arrays = None
        # Check shapes and dtypes now (cheap: only headers are read), so a damaged folder fails before training.
        arrays = self._open()
        n, s = self.sample_count, self.side
        expect = {'patterns': ((n, s, s), np.float32), 'labels': ((n,), np.float64), 'done': ((n,), np.uint8)}
        for name, (shape, dtype) in expect.items():
            a = arrays[name]
            if tuple(a.shape) != shape or a.dtype != dtype:
                raise UserError(f'{os.path.join(self.dir, name + ".npy")}: shape {tuple(a.shape)} {a.dtype}, '
                                f'expected {shape} {np.dtype(dtype)} (dataset.json says {n} patterns of {s}×{s})')
        meta = arrays.get('meta')
        if meta is not None and (meta.ndim != 2 or meta.shape[0] != n or meta.shape[1] != len(self.meta_columns)):
            raise UserError(f'{os.path.join(self.dir, "meta.npy")}: shape {tuple(meta.shape)}, expected ({n}, {len(self.meta_columns)})')

    def _input_grid(self, input_side, manifest_path):
        """(side the model sees, stride): the dataset's grid, or every other node of it (see coarse_side)."""
        if input_side is None or input_side == self.side:
            return self.side, 1
        coarse = coarse_side(self.side)
        if input_side != coarse:
            allowed = f'{self.side} (the dataset\'s side)' + (f' or {coarse} (every other node)' if coarse else '')
            why = '' if coarse else f'; no half-resolution grid keeps the centre: {coarse_refusal(self.side)}'
            raise UserError(f'config field inputSide must be {allowed} for {manifest_path} (got {input_side}){why}')
        if self.pattern_kind == 'model-input':
            raise UserError(f'{manifest_path}: the folder holds model inputs, which cannot be subsampled to inputSide '
                            f'{input_side} (the min-max normalisation depends on the grid); rebuild it with raw '
                            f'intensities or give inputSide {self.side}')
        return coarse, 2

    def _open(self):
        if self._arrays is None or self._pid != os.getpid():
            arrays = {
                'patterns': _load(os.path.join(self.dir, 'patterns.npy'), 'the patterns'),
                'labels': _load(os.path.join(self.dir, 'labels.npy'), 'the mean-d labels'),
                'done': _load(os.path.join(self.dir, 'done.npy'), 'the done marks'),
            }
            meta_path = os.path.join(self.dir, 'meta.npy')
            arrays['meta'] = _load(meta_path, 'the metadata') if os.path.exists(meta_path) else None
            self._arrays, self._pid = arrays, os.getpid()
        return self._arrays

    def __getstate__(self):
        state = dict(self.__dict__)
        state['_arrays'] = None
        state['_pid'] = None
        return state

    @property
    def patterns(self):
        return self._open()['patterns']

    @property
    def labels(self):
        return self._open()['labels']

    @property
    def done(self):
        return self._open()['done']

    def region_codes(self):
        """Per pattern region code (REGION_KINDS index, −1 unknown), or None without a region column."""
        meta = self._open().get('meta')
        if meta is None or 'region' not in self.meta_columns:
            return None
        return np.asarray(meta[:, self.meta_columns.index('region')])

    def structure_codes(self):
        """Per pattern structure index (into dataset.json's structures), or None without a structure column."""
        meta = self._open().get('meta')
        if meta is None or 'structure' not in self.meta_columns:
            return None
        return np.asarray(meta[:, self.meta_columns.index('structure')])

    def structure_names(self):
        """dataset.json's structure names, in index order (a structure without a name gets its index)."""
        out = []
        for k, s in enumerate(self.manifest.get('structures') or []):
            name = s.get('name') if isinstance(s, dict) else None
            out.append(str(name) if name is not None else f'structure {k}')
        return out

    def raw(self, index):
        """Pattern `index` as stored, (S, S) float32 (a copy out of the memory map)."""
        return np.array(self.patterns[index])

    def raw_rows(self, indices):
        """Patterns `indices` (any order) as stored, (B, S, S) float32; read in ascending file order."""
        indices = np.asarray(indices, dtype=np.int64)
        order = np.argsort(indices, kind='stable')
        out = np.empty((indices.size, self.side, self.side), dtype=np.float32)
        out[order] = self.patterns[indices[order]]
        return out

    def subsample(self, raw):
        """Raw patterns (…, S, S) on the model's grid: every `stride`-th node (nodes 0, 2, …, S − 1 for stride 2)."""
        return raw if self.stride == 1 else raw[..., ::self.stride, ::self.stride]

    def model_input(self, index):
        """Pattern `index` as the model sees it: (s, s) float32 in [0, 1] (s = input_side)."""
        raw = self.raw(index)
        if self.pattern_kind == 'model-input':
            return raw.astype(np.float32, copy=False)
        return self.transform_raw(self.subsample(raw), index)

    def model_inputs(self, indices):
        """Patterns `indices` as the model sees them: (B, s, s) float32."""
        raw = self.raw_rows(indices)
        if self.pattern_kind == 'model-input':
            return raw
        return self.transform_raws(self.subsample(raw), indices)

    def transform_raw(self, raw, index):
        """The run's transform of one raw pattern on the model's grid (e.g. after detector augmentation); `index`
        names it in errors."""
        try:
            return model_input(raw, self.preprocessing_record)
        except ValueError as error:
            raise UserError(f'{self.dir}: pattern {index}: {error}') from None

    def transform_raws(self, raw, indices):
        """transform_raw of a batch (B, s, s); an error names the first dataset index that fails."""
        try:
            return model_input(raw, self.preprocessing_record)
        except ValueError:
            for k, index in enumerate(indices):
                self.transform_raw(raw[k], int(index))
            raise

    def preprocessing(self):
        """The preprocessing record stored with a model trained on this folder (ssro_torch.transforms)."""
        return dict(self.preprocessing_record)


def coarse_side(side):
    """The side of the grid of every other node of a (2n + 1)-node side, centred: n + 1 when n is even (nodes
    0, 2, …, S − 1 keep the centre node n and double Δk), else None."""
    if side % 2 != 1 or ((side - 1) // 2) % 2 != 0:
        return None
    return (side - 1) // 2 + 1


def coarse_refusal(side):
    """Why `side` has no coarse grid (for messages)."""
    if side % 2 != 1:
        return 'the side is even, so there is no centre node'
    return (f'(S − 1)/2 = {(side - 1) // 2} is odd, so every other node from node 0 misses the centre node '
            f'{(side - 1) // 2}')


def load_split(path, sample_count):
    """split.npy: (N,) integers, 0 train, 1 validation, −1 excluded."""
    split = np.asarray(_load(path, 'the train/validation split', mmap=False))
    if split.ndim != 1 or split.shape[0] != sample_count:
        raise UserError(f'{path}: shape {split.shape}, expected ({sample_count},) (one entry per pattern of the dataset)')
    if not np.issubdtype(split.dtype, np.integer):
        raise UserError(f'{path}: dtype {split.dtype}; the split is integers (int8: 0 train, 1 validation, −1 excluded)')
    split = split.astype(np.int8)
    bad = ~np.isin(split, (SPLIT_TRAIN, SPLIT_VALIDATION, SPLIT_EXCLUDED))
    if bad.any():
        raise UserError(f'{path}: {int(bad.sum())} entries are not 0 (train), 1 (validation) or −1 (excluded), '
                        f'e.g. {int(split[np.argmax(bad)])} at index {int(np.argmax(bad))}')
    return split


def select_rows(folder, split):
    """Train and validation indices (ascending): rows of the split that are done; refuses NaN labels."""
    done = np.asarray(folder.done) == 1
    in_split = split != SPLIT_EXCLUDED
    usable = in_split & done
    labels = np.asarray(folder.labels)
    bad = usable & ~np.isfinite(labels)
    if bad.any():
        raise UserError(f'{folder.dir}: {int(bad.sum())} of the {int(usable.sum())} rows to train on have a NaN or '
                        f'infinite label in labels.npy (first at row {int(np.argmax(bad))}); relabel the structures '
                        f'or exclude those rows (−1) in the split')
    train = np.flatnonzero(usable & (split == SPLIT_TRAIN))
    validation = np.flatnonzero(usable & (split == SPLIT_VALIDATION))
    counts = {'train': int(train.size), 'validation': int(validation.size),
              'excluded': int((~in_split).sum()), 'notDone': int((in_split & ~done).sum())}
    if train.size == 0:
        raise UserError(f'{folder.dir}: the split leaves no built pattern for training')
    if validation.size == 0:
        raise UserError(f'{folder.dir}: the split leaves no built pattern for validation (the learning-rate schedule '
                        f'and the best checkpoint are judged on validation loss)')
    return train, validation, counts


def mix_seed(parts):
    """A 63-bit seed from a tuple of integers (NumPy SeedSequence mixing), for per-epoch and per-sample generators."""
    state = np.random.SeedSequence([int(p) & 0xFFFFFFFFFFFFFFFF for p in parts]).generate_state(2, np.uint32)
    return ((int(state[0]) << 32) | int(state[1])) & 0x7FFFFFFFFFFFFFFF


class PatternSamples(torch.utils.data.Dataset):
    """Samples `indices` of a folder: (input (1, S, S) float32, target (1,) float32, dataset index).

    Augmentation, when given, draws from a generator seeded by (seed, epoch, dataset index), so an epoch's samples
    do not depend on worker count, batch order or where a resumed run restarted. Call set_epoch before iterating.
    An augmentation whose `stage` is 'raw' (ssro_torch.detector_augment) gets the raw pattern and the folder's
    transform runs after it; any other gets the model input (ssro_torch.augment)."""

    def __init__(self, folder, indices, target, augment=None, seed=42):
        if target not in TARGETS:
            raise UserError(f"unknown target '{target}'; choose 'd' or 'one_minus_d'")
        self.folder = folder
        self.indices = np.asarray(indices, dtype=np.int64)
        self.targets = to_target(np.asarray(folder.labels)[self.indices].astype(np.float64), target).astype(np.float32)
        self.augment = augment
        self.seed = int(seed)
        self.epoch = 0

    def set_epoch(self, epoch):
        self.epoch = int(epoch)

    def __len__(self):
        return int(self.indices.size)

    def __getitem__(self, k):
        index = int(self.indices[k])
        if self.augment is None:
            return torch.from_numpy(self.folder.model_input(index)).unsqueeze(0), torch.tensor([self.targets[k]]), index
        generator = torch.Generator()
        generator.manual_seed(mix_seed((self.seed, 2, self.epoch, index)))
        if getattr(self.augment, 'stage', 'input') == 'raw':
            # Detector augmentation works on raw intensities; the transform follows it.
            raw = self.augment(torch.from_numpy(self.folder.raw(index)), generator)
            x = torch.from_numpy(self.folder.transform_raw(raw.numpy(), index)).unsqueeze(0)
        else:
            x = self.augment(torch.from_numpy(self.folder.model_input(index)).unsqueeze(0), generator)
        return x, torch.tensor([self.targets[k]]), index


def epoch_generator(seed, epoch):
    """The generator that shuffles epoch `epoch` (fresh per epoch: resuming needs no sampler state)."""
    generator = torch.Generator()
    generator.manual_seed(mix_seed((seed, 1, epoch)))
    return generator


def make_loader(samples, batch_size, shuffle, seed, epoch, num_workers=0, pin_memory=False):
    """A DataLoader over `samples` for one epoch (shuffled with epoch_generator when `shuffle`)."""
    samples_epoch = getattr(samples, 'set_epoch', None)
    if samples_epoch is not None:
        samples_epoch(epoch)
    return torch.utils.data.DataLoader(
        samples, batch_size=batch_size, shuffle=shuffle, generator=epoch_generator(seed, epoch),
        num_workers=num_workers, pin_memory=pin_memory, drop_last=False, persistent_workers=False)


class BatchStream(torch.utils.data.Dataset):
    """One epoch of `indices` as whole batches: item b = (inputs (B, 1, s, s) float32, targets (B, 1) float32,
    dataset indices (B,) int64), for a DataLoader with batch_size=None.

    The order is a permutation from epoch_generator(seed, epoch) when `shuffle`, else `indices` as given. A batch's
    augmentation draws from one generator seeded by (seed, 6, epoch, batch index) (ssro_torch.batch_augment), so a
    batch does not depend on worker count or where a resumed run restarted. An augmentation whose `stage` is 'raw'
    (detector) gets the raw patterns and the folder's transform runs after it (and after subsampling to the model's
    grid); any other ('paper') gets the model inputs. Call set_epoch before iterating.

    Data-parallel shard (`rank`, `world_size` > 1; ssro_torch.distributed): item b holds only the rows rank, rank + N,
    … of the global batch b of `batch_size` rows (global batch and order as with one process), each augmented exactly
    as in that global batch. 'paper' draws the whole batch's numbers and applies them to this rank's rows (its steps
    are per sample); 'detector' augments the whole global batch and keeps this rank's rows, because its last step,
    Poisson sampling, consumes a data-dependent count of numbers per node from one generator, so a row's counts depend
    on every row before it. The transform runs on this rank's rows only."""

    def __init__(self, folder, indices, target, batch_size, augment=None, seed=42, shuffle=False, rank=0,
                 world_size=1):
        if target not in TARGETS:
            raise UserError(f"unknown target '{target}'; choose 'd' or 'one_minus_d'")
        self.folder = folder
        self.indices = np.asarray(indices, dtype=np.int64)
        self.targets = to_target(np.asarray(folder.labels)[self.indices].astype(np.float64), target).astype(np.float32)
        self.batch_size = int(batch_size)
        self.augment = augment
        self.seed = int(seed)
        self.shuffle = shuffle
        self.epoch = 0
        self.order = np.arange(self.indices.size)
        if not 0 <= rank < world_size:
            raise ValueError(f'rank {rank} is outside 0 … {world_size - 1}')
        self.rank = int(rank)
        self.world_size = int(world_size)

    def set_epoch(self, epoch):
        self.epoch = int(epoch)
        if self.shuffle:
            self.order = torch.randperm(self.indices.size, generator=epoch_generator(self.seed, self.epoch)).numpy()

    def __len__(self):
        return (int(self.indices.size) + self.batch_size - 1) // self.batch_size

    def __getitem__(self, b):
        if not 0 <= b < len(self):
            raise IndexError(b)
        pick = self.order[b * self.batch_size:(b + 1) * self.batch_size]
        if self.world_size > 1:
            return self._shard_item(b, pick)
        rows = self.indices[pick]
        y = torch.from_numpy(self.targets[pick]).unsqueeze(1)
        index = torch.from_numpy(rows)
        folder = self.folder
        if self.augment is None:
            return torch.from_numpy(folder.model_inputs(rows)).unsqueeze(1), y, index
        generator = torch.Generator()
        generator.manual_seed(mix_seed((self.seed, 6, self.epoch, b)))
        if getattr(self.augment, 'stage', 'input') == 'raw':
            raw = self.augment(torch.from_numpy(folder.raw_rows(rows)), generator, folder.stride)
            x = folder.transform_raws(raw.numpy(), rows)
            return torch.from_numpy(x).unsqueeze(1), y, index
        x = torch.from_numpy(folder.model_inputs(rows)).unsqueeze(1)
        return self.augment(x, generator), y, index


    def global_batch_size(self, b):
        """How many rows global batch b has (all ranks together)."""
        return min(self.batch_size, int(self.indices.size) - b * self.batch_size)

    def _shard_item(self, b, pick):
        """This rank's rows of global batch b (see the class docstring)."""
        mine = slice(self.rank, None, self.world_size)
        all_rows = self.indices[pick]
        rows = all_rows[mine]
        y = torch.from_numpy(self.targets[pick][mine]).unsqueeze(1)
        index = torch.from_numpy(rows)
        folder = self.folder
        if rows.size == 0:
            # A last global batch with fewer rows than ranks leaves this rank none.
            side = folder.input_side
            return torch.zeros((0, 1, side, side), dtype=torch.float32), y, index
        if self.augment is None:
            return torch.from_numpy(folder.model_inputs(rows)).unsqueeze(1), y, index
        generator = torch.Generator()
        generator.manual_seed(mix_seed((self.seed, 6, self.epoch, b)))
        if getattr(self.augment, 'stage', 'input') == 'raw':
            raw = self.augment(torch.from_numpy(folder.raw_rows(all_rows)), generator, folder.stride)[mine]
            x = folder.transform_raws(raw.numpy(), rows)
            return torch.from_numpy(x).unsqueeze(1), y, index
        x = torch.from_numpy(folder.model_inputs(rows)).unsqueeze(1)
        # BatchPaperAugment.__call__ draws the decisions of the whole batch, then its Gaussian noise: the same draws,
        # applied to this rank's rows only.
        decisions = self.augment.draw(all_rows.size, generator)
        side = folder.input_side
        noise = torch.randn((all_rows.size, 1, side, side), generator=generator, dtype=x.dtype)
        return self.augment.apply(x, {k: v[mine] for k, v in decisions.items()}, noise[mine]), y, index


def make_batch_loader(stream, epoch, num_workers=0, pin_memory=False):
    """A DataLoader over the batches of `stream` for one epoch."""
    stream.set_epoch(epoch)
    return torch.utils.data.DataLoader(stream, batch_size=None, shuffle=False, num_workers=num_workers,
                                       pin_memory=pin_memory, persistent_workers=False)
