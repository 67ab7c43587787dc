"""Trains a disorder-parameter model on one project dataset (papers/000 §2.3, DESIGN.md "Training"), resumably.

  python3 -m ssro_torch.train --config CONFIG.json      (cwd or PYTHONPATH = native-workers/train/python)
  torchrun --nproc_per_node N -m ssro_torch.train --config CONFIG.json      (data parallel, see "Data parallel")

Config (JSON object; unknown keys are refused so a typo cannot silently fall back to a default):
  datasetDir           str, required   the dataset folder (pattern-store.ts layout: dataset.json, patterns.npy, …)
  splitFile            str, required   split.npy, (N,) int8 (any integer dtype): 0 train, 1 validation, −1 excluded
                                       (written by Node; rows with done.npy = 0 are left out and counted)
  outDir               str, required   where the run's files go; a last.pt found there is resumed
  datasetId            int|str|null    recorded in the ONNX metadata as trainingDatasetId
  model                'resnet18' (default) | 'basecnn' | 'compactcnn' (a small CNN for ensemble members, see
                       ssro_torch.models.CompactCNN)
  members              int 1…16, default 1: deep-ensemble size (see "Ensembles" below)
  transform            'annulus-log' (default; transform v2) | 'log1-minmax' (v1): how raw patterns become model inputs
                       (ssro_torch.transforms); annulus-log needs the dataset's k-grid
  transformParams      {beamMaskInvA ≥ 0, floorRatio > 0, ceilingRatio > 0} (any subset; the rest default to 0.1,
                       0.05, 50) | null (the defaults); annulus-log only
  target               'one_minus_d' (default; the authors' convention) | 'd'
  epochs               int ≥ 1, default 400 (total, counting epochs done before a resume; raise it to extend a run)
  batchSize            int ≥ 1, default 64
  lr                   float > 0, default 1e-3 (Adam)
  weightDecay          float ≥ 0, default 1e-5 (Adam)
  seed                 int, default 42 (model init, shuffling, augmentation)
  device               'auto' (default: cuda, else mps, else cpu) | 'cpu' | 'cuda' | 'mps'
  numWorkers           int ≥ 0, default 0 (DataLoader worker processes; results do not depend on it)
  threads              int ≥ 1 | null (default: the CPU cores this process may use, shared out among the
                       processes of a node under torchrun) → torch.set_num_threads, per process
  imagenetWeights      str|null  a torchvision resnet18 ImageNet state_dict file to start from (conv1 averaged
                                 over RGB, fc fresh); resnet18 only; never downloaded
  initStateDict        str|null  a full state_dict of the chosen architecture to start from (e.g. the authors'
                                 checkpoint; every key and shape is checked). Excludes imagenetWeights.
  bestAfterEpoch       int ≥ 0, default 10
  minImprovement       float ≥ 0, default 1e-4 (validation-loss units)
  schedule             'cosine' (default) | 'plateau': the learning-rate schedule (see "Training" below)
  minLr                float ≥ 0 and ≤ lr, default 1e-5: where the cosine schedule ends (cosine only)
  warmupEpochs         int ≥ 0, default 1: linear warm-up of the cosine schedule, in epochs (cosine only)
  plateauPatience      int ≥ 0, default 20 (ReduceLROnPlateau on validation loss; schedule 'plateau' only)
  plateauFactor        float in (0, 1), default 0.5 (schedule 'plateau' only)
  emaDecay             float in [0, 1) | null, default 0.999: exponential moving average of the weights (see
                       "Weight average" below); null trains and exports the raw weights, as before
  tta                  'none' (default) | 'd4': test-time augmentation; 'd4' averages every evaluation and the
                       exported model's prediction over the 8 symmetries of the square (ssro_torch.tta)
  inputSide            int | null (default: the dataset's side S): S, or (S + 1)/2 to train on every other k-node
                       (nodes 0, 2, …, S − 1, centre kept, Δk doubled: 133 nodes at 0.015 Å⁻¹ → 67 at 0.03 Å⁻¹,
                       same kmax). Raw patterns are subsampled before the transform, whose k-grid is the coarse one,
                       and the ONNX metadata records the coarse grid, so the app resamples patterns to it. Refused
                       when S is even or (S − 1)/2 is odd (no coarse grid keeps the centre node) and for folders of
                       model inputs. Detector augmentation runs on the dataset's grid, then the pattern is subsampled.
  splitInfo            object | null, default null: how the split was made (any JSON, e.g. {kind: 'blocked-slabs',
                       …}); copied verbatim into metrics.json and the ONNX metadata as `split`, part of the fingerprint
  balance              'none' (default) | 'structure' | 'label': 'structure' weighs each training row's loss by
                       n / (S · n_s) so every one of the S training structures counts alike (n_s its rows; see
                       structure_balance_weights); 'label' weighs it by the inverse square root of the smoothed density
                       of its label d, so rare mixed-order probes count more than the crystal and glass majority (see
                       label_balance_weights); either times the bootstrap weights of an ensemble
  augment              bool, default true: augment training batches with the pipeline `augmentation` names
  augmentation         'detector' (default: detector nuisances on the raw pattern before the transform, see
                       ssro_torch.detector_augment) | 'paper' (papers/000 §2.3 on the transformed input,
                       ssro_torch.augment); both run on whole batches (ssro_torch.batch_augment, same distributions)
  augmentationOptions  object | null: per-nuisance switches and ranges of 'detector' (detector_augment.DEFAULT_OPTIONS
                       lists the keys; unknown keys are refused); must be null with 'paper'
  exportOnnx           bool, default true (false: stop after metrics.json; a sweep cell needs no model file)
  progressSeconds      float ≥ 0, default 0.25: at most one "batch" event per this many seconds (0 = every batch;
                       the last batch of an epoch is always reported)

Training: L1 loss, Adam(lr, weight_decay). Losses are in target units; MAE/RMSE/R² are in d units (for 1 − d the
MAE and RMSE are the same numbers and R² is too).
  * schedule 'cosine' (default): the learning rate is set before every batch from its step t (0-based over the run,
    t = (epoch − 1)·B + batch − 1, B batches per epoch) by cosine_lr: lr·(t + 1)/W during the warm-up (W =
    warmupEpochs·B), then minLr + (lr − minLr)·(1 + cos(π·(t − W)/(T − W)))/2 with T = epochs·B, so it reaches minLr
    at the end of the budget. It depends on t alone: a resumed run continues exactly. Raising `epochs` on resume
    stretches the remaining decay (T changes), so the rate jumps up at the resumed epoch.
  * schedule 'plateau': ReduceLROnPlateau(mode min, factor, patience) stepped with the validation loss after every
    epoch (the behaviour before the cosine schedule).
  history and the epoch event record `lr` (the rate of the epoch's first batch) and `nextLr` (of the next epoch's
  first batch; for cosine after the last epoch, minLr).
  A non-finite training loss stops the run before the optimizer step with a refused error ("training loss became
  NaN at epoch E, batch B; lower the learning rate …", exit 2); last.pt keeps the last good epoch.

Weight average (emaDecay δ not null): after every optimizer step p̄ ← d·p̄ + (1 − d)·p with d = min(δ, (1 + u)/(10 +
u)) at update u (so short runs are not dominated by the initial weights); buffers (BatchNorm statistics) are copied.
Validation, best-epoch selection, best.pt, val_predictions, metrics and the exported ONNX use the average; training
continues on the raw weights. last.pt holds both (emaModel), so resuming is exact. An ensemble is averaged as one
module.

Speed: batches are read and augmented whole (ssro_torch.data.BatchStream, ssro_torch.batch_augment); on the CPU
the architectures in CHANNELS_LAST train and evaluate in channels-last memory format (measured faster there).

Best checkpoint rule (epochs count from 1):
  * epochs 1 … bestAfterEpoch (warm-up): the best is the epoch with the lowest validation loss so far (any
    decrease), so a run shorter than the warm-up still yields a model;
  * epoch bestAfterEpoch + 1 becomes the best unconditionally (warm-up bests are provisional, as in the authors'
    code, which starts keeping checkpoints only after epoch 10);
  * later epochs become the best when validation loss < best validation loss − minImprovement.

Ensembles (members = K > 1; Lakshminarayanan, Pritzel & Blundell 2017): one nn.Module holds K independent members
of the architecture (ssro_torch.models.Ensemble, output (batch, K)); member m is initialised after
torch.manual_seed(mix_seed((seed, 4, m))). All members see the same augmented batches; diversity comes from the
initialisation and from bootstrap weights: member m weighs training sample i (dataset index) by a fixed Poisson(1)
draw seeded from (seed, 5, m, i) (Breiman's bagging in its Poisson form). The optimised loss is the sum over members of
mean_batch(w·|output − target|); trainLoss and the batch events report that sum / K (the members' average, comparable
with valLoss). Validation loss, metrics, best-epoch selection and val_predictions use the ensemble mean. K = 1 trains
one bare model with the plain L1 loss, as before. The export adds the calibration of σ and out-of-distribution
statistics (ssro_torch.export).

Determinism: the model is initialised right after torch.manual_seed(seed); epoch e is shuffled by a fresh generator
seeded from (seed, 1, e) and batch b of epoch e is augmented by one generator seeded from (seed, 6, e, b)
(ssro_torch.batch_augment documents the order of its draws);
torch.use_deterministic_algorithms(True, warn_only=True). On CPU with the same thread count a resumed run ends with
the same weights bit for bit as an uninterrupted one (tests/integration/torch-engine.test.ts checks this). The
thread count changes the order of float reductions, so runs with different `threads` differ in the last bits (the
resume event reports threadsBefore). On CUDA and MPS some kernels are not deterministic, so only CPU runs are
reproducible exactly. numWorkers does not change results.

Resume: after every epoch last.pt (model, its weight average, optimizer, scheduler, epoch, best epoch and its
weights, history, RNG states, the init record and the run's fingerprint: FINGERPRINT_KEYS, the split's hash and the
dataset; self-contained; loadable with torch.load(weights_only=True), see
ssro_torch.checkpoint) is written atomically (temp file, fsync, os.replace), then the "epoch" event is printed. A run that finds last.pt in outDir continues at the next epoch (and rewrites best.pt from
it, in case a crash lost the epoch that wrote best.pt); a last.pt of a different run (other model, target,
hyper-parameters, split or dataset) is refused. A run whose last.pt already covers `epochs` only redoes the outputs.
A last.pt that cannot be read weights-only (tampered with, or written before checkpoints became weights-only) is
refused with what to do: delete it to start over, best.pt can start a new run.

Data parallel (torchrun --nproc_per_node N, or more nodes; ssro_torch.distributed: nccl on CUDA, each process on
cuda:LOCAL_RANK, gloo on the CPU). batchSize stays the global batch B and must be a multiple of the world size N
(refused otherwise, naming both). Every process walks the same global batches in the same order as one process would
and trains on its rows of each: rows r, r + N, … of the global batch for rank r, augmented exactly as in that global
batch (ssro_torch.data.BatchStream), so a sample's augmentation does not depend on N. Each process's loss is the sum
of its rows' losses over the global batch's row count; after the backward pass the gradients are summed over the
processes in one all-reduce (distributed.sum_gradients), which makes them the one-process gradient of the global
batch, also for the last, short batch of an epoch that the processes share unequally (a process may get no rows).
This is a manual all-reduce rather than DistributedDataParallel, which averages the gradients with equal weights
per process and needs a forward pass on every process at every step; the price is that the all-reduce does not
overlap the backward pass. The loss and the cancel flag are summed in the same step, so every process stops at the
same step with the same error. Optimizer, learning-rate schedule and weight average are then the same on every
process (same initial weights from the seed, same gradients). BatchNorm normalises each process's rows with their
own statistics (the one difference from one process; keep B/N ≥ 16); the running statistics are averaged over the
processes after every epoch (distributed.average_batchnorm_statistics, see there why that reproduces one process's
running means) and copied into the weight average. Validation and the final evaluation are sharded: process r
evaluates batches r, r + N, … and one all-reduce assembles the whole table on every process, so every process takes
the same best-epoch and plateau decisions. Only rank 0 writes files (last.pt, best.pt, history.json,
val_predictions.npy, metrics.json, model.onnx) and prints events; the other processes' stdout goes to stderr. The
run ends with a barrier after rank 0's files are written. Resume: every process reads last.pt and continues as one
process would. With the same seed, a run on N processes of a model without BatchNorm (basecnn) follows the
one-process run to float rounding (tests/integration/torch-ddp-train.test.ts measures it).

Events on stdout (JSON lines; everything else goes to stderr):
  {"event":"device","device":"cpu","torch":…,"torchvision":…,"cuda":false,"mps":false,"threads":2,"deterministic":true,
   "distributed":null | {"rank":0,"worldSize":N,"localWorldSize":…,"backend":"gloo"|"nccl"}}
  {"event":"data","datasetDir":…,"side":133,"inputSide":133|67,"patternKind":…,"train":n,"validation":n,"excluded":n,"notDone":n,"target":…,"model":…,
   "members":K,"transform":…,"augmentation":…|null}
  {"event":"resume","fromEpoch":e,"epochs":…,"bestEpoch":…,"threadsBefore":…}   (only when last.pt was found)
  {"event":"batch","epoch":e,"batch":b,"batches":B,"loss":…,"lr":…,"imagesPerSecond":…}
  {"event":"epoch","epoch":e,"epochs":E,"trainLoss":…,"valLoss":…,"valMae":…,"valRmse":…,"valR2":…,"lr":…,
   "nextLr":…,"seconds":…,"best":bool,"bestEpoch":…,"bestValLoss":…}   (after last.pt is on disk)
  {"event":"phase","phase":"evaluate"|"calibrate"|"export"}
  {"event":"done","epochs":E,"bestEpoch":…,"bestValLoss":…,"metrics":{…metrics.json},"outputs":{name: path},"seconds":…}
  {"event":"error","message":…,"kind":"refused"|"failure"} / {"event":"cancelled","message":…}   (see ssro_torch.events)

Outputs in outDir: last.pt, best.pt (state_dict of the best epoch), history.json ({bestEpoch, bestValLoss,
epochs: [epoch records]}), val_predictions.npy ((N_val, 3) float64: dataset index, true d, predicted d (the ensemble mean); best model),
metrics.json ({target, units: 'd', bestEpoch, train: {count, mae, rmse, r2}, validation: {…}, regions: {train:
{grain|actr|interior: {…}}, validation: {…}} when meta.npy has region codes, structures: {train: {"<structure
index>": {name, count, mae, rmse, r2, regions: {grain|actr|interior: {…}}}}, validation: {…}} when meta.npy has a
structure column (names from dataset.json's structures), init: {kind: 'scratch'} | {kind: 'imagenet' | 'state-dict',
file: basename, sha256}, split: splitInfo, tta}), model.onnx (best model, see ssro_torch.export for its metadata:
it records tta, init and split too).
"""
import argparse
import copy
import hashlib
import io
import json
import math
import os
import random
import signal
import time

import numpy as np
import torch
import torchvision
from torch import nn

from . import FORMAT_VERSION, distributed
from .batch_augment import BatchDetectorAugment, BatchPaperAugment
from .data import (REGION_KINDS, TARGETS, BatchStream, DatasetFolder, load_split, make_batch_loader, mix_seed,
                   select_rows, to_d)
from .detector_augment import check_options
from .events import Cancelled, UserError, emit, log, run_main
from .export import export_onnx, ssro_metadata, write_bytes_atomic
from .checkpoint import checkpoint_dict, read_checkpoint
from .models import ARCHITECTURES, MAX_MEMBERS, build_model, load_imagenet_init, load_weights
from .transforms import ANNULUS_LOG, ANNULUS_LOG_DEFAULTS, OOD_BINS, TRAINING_TRANSFORMS, ring_features, ring_index
from .tta import TTA_MODES, with_tta


def _usable_cores():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


DEFAULTS = {
    'datasetId': None, 'model': 'resnet18', 'target': 'one_minus_d', 'epochs': 400, 'batchSize': 64, 'lr': 1e-3,
    'weightDecay': 1e-5, 'seed': 42, 'device': 'auto', 'numWorkers': 0, 'threads': None, 'imagenetWeights': None,
    'initStateDict': None, 'bestAfterEpoch': 10, 'minImprovement': 1e-4, 'plateauPatience': 20, 'plateauFactor': 0.5,
    'augment': True, 'progressSeconds': 0.25, 'exportOnnx': True, 'transform': 'annulus-log', 'transformParams': None,
    'augmentation': 'detector', 'augmentationOptions': None, 'members': 1,
    'schedule': 'cosine', 'minLr': 1e-5, 'warmupEpochs': 1, 'emaDecay': 0.999, 'tta': 'none', 'inputSide': None,
    'splitInfo': None, 'balance': 'none',
}
BALANCES = ('none', 'structure', 'label')
AUGMENTATIONS = ('detector', 'paper')
SCHEDULES = ('cosine', 'plateau')
#: Architectures trained and evaluated in channels-last memory format on the CPU: where it measured faster (torch
#: 1.13, 2 threads, batch 64, Adam training steps, NCHW and channels-last interleaved): compactcnn 38.6 → 47.7
#: images/s at 133 × 133 and 282 → 343 at 67 × 67, basecnn 6.2 → 7.2. ResNet-18 measured no faster (3.3 vs 3.2, a
#: loaded machine) and stays NCHW; invariant-mlp has no convolutions.
CHANNELS_LAST = ('compactcnn', 'basecnn')
REQUIRED = ('datasetDir', 'splitFile', 'outDir')
#: Config keys that define a run's trajectory: a last.pt made with other values is not resumed.
FINGERPRINT_KEYS = ('model', 'target', 'batchSize', 'lr', 'weightDecay', 'seed', 'bestAfterEpoch', 'minImprovement',
                    'plateauPatience', 'plateauFactor', 'augment', 'transform', 'transformParams', 'augmentation',
                    'augmentationOptions', 'members', 'schedule', 'minLr', 'warmupEpochs', 'emaDecay', 'tta',
                    'inputSide', 'splitInfo', 'balance')
#: What runs started before these keys existed used (their last.pt fingerprints lack the keys); inputSide is the
#: dataset's side (filled in by run_fingerprint's caller).
LEGACY_FINGERPRINT = {'transform': 'log1-minmax', 'transformParams': None, 'augmentation': 'paper',
                      'augmentationOptions': None, 'members': 1, 'schedule': 'plateau', 'minLr': 1e-5,
                      'warmupEpochs': 1, 'emaDecay': None, 'tta': 'none', 'splitInfo': None, 'balance': 'none'}


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def read_config(path):
    """The config with defaults filled in, every field checked (messages name the field and what is allowed)."""
    try:
        with open(path, 'r', encoding='utf-8') as f:
            raw = json.load(f)
    except FileNotFoundError:
        raise UserError(f'{path}: no such config file') from None
    except json.JSONDecodeError as error:
        raise UserError(f'{path}: not valid JSON ({error})') from None
    if not isinstance(raw, dict):
        raise UserError(f'{path}: the config is a JSON object')
    unknown = sorted(set(raw) - set(DEFAULTS) - set(REQUIRED))
    if unknown:
        raise UserError(f'{path}: unknown config field(s) {", ".join(unknown)}; allowed: '
                        f'{", ".join(list(REQUIRED) + list(DEFAULTS))}')
    missing = [k for k in REQUIRED if not isinstance(raw.get(k), str) or not raw.get(k)]
    if missing:
        raise UserError(f'{path}: give {", ".join(missing)} (paths)')
    cfg = dict(DEFAULTS)
    cfg.update(raw)

    def need(ok, key, what):
        if not ok:
            raise UserError(f'config field {key} must be {what} (got {json.dumps(cfg[key])})')

    need(cfg['model'] in ARCHITECTURES, 'model', ' or '.join(f"'{a}'" for a in ARCHITECTURES))
    need(cfg['target'] in TARGETS, 'target', "'d' or 'one_minus_d'")
    need(_is_int(cfg['epochs']) and cfg['epochs'] >= 1, 'epochs', 'an integer ≥ 1')
    need(_is_int(cfg['batchSize']) and cfg['batchSize'] >= 1, 'batchSize', 'an integer ≥ 1')
    need(_is_number(cfg['lr']) and cfg['lr'] > 0, 'lr', 'a number > 0')
    need(_is_number(cfg['weightDecay']) and cfg['weightDecay'] >= 0, 'weightDecay', 'a number ≥ 0')
    need(_is_int(cfg['seed']), 'seed', 'an integer')
    need(cfg['device'] in ('auto', 'cpu', 'cuda', 'mps'), 'device', "'auto', 'cpu', 'cuda' or 'mps'")
    need(_is_int(cfg['numWorkers']) and cfg['numWorkers'] >= 0, 'numWorkers', 'an integer ≥ 0')
    need(cfg['threads'] is None or (_is_int(cfg['threads']) and cfg['threads'] >= 1), 'threads', 'an integer ≥ 1 or null')
    need(cfg['imagenetWeights'] is None or isinstance(cfg['imagenetWeights'], str), 'imagenetWeights', 'a path or null')
    need(cfg['initStateDict'] is None or isinstance(cfg['initStateDict'], str), 'initStateDict', 'a path or null')
    need(_is_int(cfg['bestAfterEpoch']) and cfg['bestAfterEpoch'] >= 0, 'bestAfterEpoch', 'an integer ≥ 0')
    need(_is_number(cfg['minImprovement']) and cfg['minImprovement'] >= 0, 'minImprovement', 'a number ≥ 0')
    need(_is_int(cfg['plateauPatience']) and cfg['plateauPatience'] >= 0, 'plateauPatience', 'an integer ≥ 0')
    need(_is_number(cfg['plateauFactor']) and 0 < cfg['plateauFactor'] < 1, 'plateauFactor', 'a number in (0, 1)')
    need(isinstance(cfg['augment'], bool), 'augment', 'true or false')
    need(isinstance(cfg['exportOnnx'], bool), 'exportOnnx', 'true or false')
    need(_is_number(cfg['progressSeconds']) and cfg['progressSeconds'] >= 0, 'progressSeconds', 'a number ≥ 0')
    need(cfg['datasetId'] is None or _is_int(cfg['datasetId']) or isinstance(cfg['datasetId'], str), 'datasetId',
         'an integer, a string or null')
    need(cfg['transform'] in TRAINING_TRANSFORMS, 'transform', ' or '.join(f"'{t}'" for t in TRAINING_TRANSFORMS))
    need(cfg['augmentation'] in AUGMENTATIONS, 'augmentation', "'detector' or 'paper'")
    need(_is_int(cfg['members']) and 1 <= cfg['members'] <= MAX_MEMBERS, 'members', f'an integer from 1 to {MAX_MEMBERS}')
    need(cfg['schedule'] in SCHEDULES, 'schedule', "'cosine' or 'plateau'")
    need(_is_number(cfg['minLr']) and cfg['minLr'] >= 0, 'minLr', 'a number ≥ 0')
    if cfg['schedule'] == 'cosine' and cfg['minLr'] > cfg['lr']:
        raise UserError(f'config field minLr ({cfg["minLr"]}) must not exceed lr ({cfg["lr"]}): the cosine schedule '
                        f'decays from lr to minLr')
    need(_is_int(cfg['warmupEpochs']) and cfg['warmupEpochs'] >= 0, 'warmupEpochs', 'an integer ≥ 0')
    need(cfg['emaDecay'] is None or (_is_number(cfg['emaDecay']) and 0 <= cfg['emaDecay'] < 1), 'emaDecay',
         'a number in [0, 1) or null (no weight average)')
    need(cfg['tta'] in TTA_MODES, 'tta', "'none' or 'd4'")
    need(cfg['balance'] in BALANCES, 'balance', "'none', 'structure' or 'label'")
    need(cfg['inputSide'] is None or (_is_int(cfg['inputSide']) and cfg['inputSide'] >= 1), 'inputSide',
         "an integer (the dataset's side, or every other node: (side + 1)/2) or null (the dataset's side)")
    need(cfg['splitInfo'] is None or isinstance(cfg['splitInfo'], dict), 'splitInfo', 'an object or null')
    params = cfg['transformParams']
    need(params is None or isinstance(params, dict), 'transformParams', 'an object or null')
    if params is not None:
        if cfg['transform'] != ANNULUS_LOG:
            raise UserError('config field transformParams applies to the annulus-log transform only (give null)')
        unknown = sorted(set(params) - set(ANNULUS_LOG_DEFAULTS))
        if unknown:
            raise UserError(f'config field transformParams: unknown key(s) {", ".join(unknown)}; allowed: '
                            f'{", ".join(ANNULUS_LOG_DEFAULTS)}')
        for key, value in params.items():
            ok = _is_number(value) and (value >= 0 if key == 'beamMaskInvA' else value > 0)
            if not ok:
                raise UserError(f'config field transformParams.{key} must be a number '
                                f'{"≥ 0" if key == "beamMaskInvA" else "> 0"} (got {json.dumps(value)})')
    if cfg['transform'] == ANNULUS_LOG:
        cfg['transformParams'] = {**ANNULUS_LOG_DEFAULTS, **(params or {})}
    options = cfg['augmentationOptions']
    if cfg['augmentation'] == 'detector':
        try:
            cfg['augmentationOptions'] = check_options(options)
        except ValueError as error:
            raise UserError(f'config field {error}') from None
    elif options:
        raise UserError("config field augmentationOptions applies to augmentation 'detector' only (give null)")
    else:
        cfg['augmentationOptions'] = None
    if cfg['imagenetWeights'] and cfg['initStateDict']:
        raise UserError('give imagenetWeights or initStateDict, not both')
    if cfg['imagenetWeights'] and cfg['model'] != 'resnet18':
        raise UserError('imagenetWeights applies to model resnet18 only')
    return cfg


def pick_device(requested):
    cuda = torch.cuda.is_available()
    mps_backend = getattr(torch.backends, 'mps', None)
    mps = bool(mps_backend is not None and mps_backend.is_available())
    if requested == 'cuda' and not cuda:
        raise UserError('CUDA was requested but torch reports no CUDA device; choose cpu or auto')
    if requested == 'mps' and not mps:
        raise UserError('MPS (Apple GPU) was requested but torch reports it unavailable; choose cpu or auto')
    if requested == 'auto':
        requested = 'cuda' if cuda else 'mps' if mps else 'cpu'
    return torch.device(requested), cuda, mps


def seed_everything(seed):
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def rng_states(device):
    states = {'torch': torch.get_rng_state(), 'numpy': np.random.get_state(), 'python': random.getstate()}
    if device.type == 'cuda':
        states['cuda'] = torch.cuda.get_rng_state_all()
    return states


def restore_rng_states(states, device):
    torch.set_rng_state(states['torch'])
    np.random.set_state(states['numpy'])
    random.setstate(states['python'])
    if device.type == 'cuda' and 'cuda' in states:
        torch.cuda.set_rng_state_all(states['cuda'])


def save_atomic(obj, path):
    """torch.save through a temp file, fsynced, renamed into place."""
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    write_bytes_atomic(path, buffer.getvalue())


def write_json_atomic(path, value):
    from .events import clean
    write_bytes_atomic(path, (json.dumps(clean(value), indent=2, allow_nan=False) + '\n').encode('utf-8'))


def run_fingerprint(cfg, folder, split):
    """What must be equal for a last.pt to be resumed."""
    fp = {k: cfg[k] for k in FINGERPRINT_KEYS}
    fp['inputSide'] = folder.input_side
    fp['split'] = hashlib.sha256(np.ascontiguousarray(split).tobytes()).hexdigest()
    fp['dataset'] = {'sampleCount': folder.sample_count, 'side': folder.side,
                     'createdAt': folder.manifest.get('createdAt')}
    return fp


def fit_metrics(true_d, pred_d):
    """count, MAE, RMSE and R² (None when the true values are constant) in d units."""
    true_d = np.asarray(true_d, dtype=np.float64)
    pred_d = np.asarray(pred_d, dtype=np.float64)
    n = int(true_d.size)
    if n == 0:
        return {'count': 0, 'mae': None, 'rmse': None, 'r2': None}
    err = pred_d - true_d
    ss_res = float(np.sum(err ** 2))
    ss_tot = float(np.sum((true_d - true_d.mean()) ** 2))
    return {'count': n, 'mae': float(np.mean(np.abs(err))), 'rmse': math.sqrt(ss_res / n),
            'r2': 1.0 - ss_res / ss_tot if ss_tot > 0 else None}


def evaluate(model, stream, device, num_workers, members=1, tta='none', channels_last=False, ctx=None):
    """Model outputs (target units, float64) for every sample of an unaugmented BatchStream, in its order:
    (N, members), one column per ensemble member; with tta 'd4' each column is averaged over the 8 symmetries.

    Data parallel (`ctx` of several ranks, all holding the same weights): rank r evaluates batches r, r + N, … and a
    sum over the ranks of the zero-filled tables assembles the whole one on every rank (in evaluation mode a
    sample's output does not depend on the other samples of its batch)."""
    model.eval()
    net = with_tta(model, tta, stream.folder.input_side).to(device)
    sharded = ctx is not None and ctx.distributed
    out = np.zeros((len(stream.indices), members), dtype=np.float64)
    mine = range(ctx.rank, len(stream), ctx.world_size) if sharded else range(len(stream))
    stream.set_epoch(0)
    loader = torch.utils.data.DataLoader(stream, batch_size=None, sampler=mine, num_workers=num_workers,
                                         pin_memory=device.type == 'cuda', persistent_workers=False)
    with torch.no_grad():
        for b, (x, _, _) in zip(mine, loader):
            x = x.to(device)
            if channels_last:
                x = x.contiguous(memory_format=torch.channels_last)
            y = net(x).reshape(x.shape[0], members).float().cpu().numpy()
            start = b * stream.batch_size
            out[start:start + y.shape[0]] = y
    if sharded:
        out = ctx.all_reduce_sum(torch.from_numpy(out)).numpy()
    return out


def cosine_lr(step, total_steps, warmup_steps, lr, min_lr):
    """The learning rate of batch `step` (0-based over the whole run) under the cosine schedule: a linear warm-up
    lr·(step + 1)/W over the first W = warmup_steps batches, then minLr + (lr − minLr)·(1 + cos(π·(step − W)/(T − W)))/2
    down to minLr at step T = total_steps (the end of the budget); the formula holds for any step, so a resumed run
    continues exactly (Loshchilov & Hutter 2017, SGDR, without restarts; warm-up as Goyal et al. 2017)."""
    if step < warmup_steps:
        return lr * (step + 1) / warmup_steps
    span = total_steps - warmup_steps
    progress = 1.0 if span <= 0 else min(1.0, (step - warmup_steps) / span)
    return min_lr + (lr - min_lr) * 0.5 * (1.0 + math.cos(math.pi * progress))


class WeightAverage:
    """Exponential moving average of a model's parameters (Polyak & Juditsky 1992), updated after every optimizer
    step: p̄ ← δ·p̄ + (1 − δ)·p with δ = min(emaDecay, (1 + u)/(10 + u)) at update u (1, 2, …), the count-based
    ramp of TensorFlow's ExponentialMovingAverage, so a short run's average is not dominated by the initial weights;
    buffers (BatchNorm running statistics) are copied from the model. The average is a full copy of the module."""

    def __init__(self, model, decay):
        self.decay = float(decay)
        self.model = copy.deepcopy(model)
        for p in self.model.parameters():
            p.requires_grad_(False)
        self.updates = 0

    def update(self, model):
        self.updates += 1
        d = min(self.decay, (1.0 + self.updates) / (10.0 + self.updates))
        with torch.no_grad():
            mine = list(self.model.parameters())
            theirs = [p.detach() for p in model.parameters()]
            torch._foreach_mul_(mine, d)
            torch._foreach_add_(mine, theirs, alpha=1.0 - d)
        self.copy_buffers(model)

    def copy_buffers(self, model):
        """The model's buffers (BatchNorm running statistics) into the average, as every update does."""
        with torch.no_grad():
            for b, source in zip(self.model.buffers(), model.buffers()):
                b.copy_(source)


def file_sha256(path):
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            digest.update(chunk)
    return digest.hexdigest()


def init_record(cfg):
    """What training starts from: {kind: 'scratch'} or {kind: 'imagenet' | 'state-dict', file: basename, sha256}."""
    for key, kind in (('imagenetWeights', 'imagenet'), ('initStateDict', 'state-dict')):
        path = cfg[key]
        if path:
            try:
                sha = file_sha256(path)
            except OSError as error:
                raise UserError(f'config field {key}: cannot read {path} ({error.strerror or error})') from None
            return {'kind': kind, 'file': os.path.basename(path), 'sha256': sha}
    return {'kind': 'scratch'}


def region_metrics(regions, idx, true_d, pred_d):
    """{grain|actr|interior: fit_metrics} of the rows `idx` (region code per dataset row; −1 rows left out)."""
    codes = regions[idx]
    per = {}
    for code in sorted(int(c) for c in np.unique(codes) if c >= 0):
        kind = REGION_KINDS[code] if code < len(REGION_KINDS) else f'region_{code}'
        per[kind] = fit_metrics(true_d[codes == code], pred_d[codes == code])
    return per


def structure_metrics(folder, parts):
    """metrics.json 'structures': {train|validation: {"<structure index>": {name, count, mae, rmse, r2, regions}}}
    from meta.npy's structure column and dataset.json's structure names; None without a structure column."""
    codes = folder.structure_codes()
    if codes is None:
        return None
    names = folder.structure_names()
    regions = folder.region_codes()
    out = {}
    for name, idx, true_d, pred_d in parts:
        per = {}
        row_codes = codes[idx]
        for code in sorted(int(c) for c in np.unique(row_codes) if c >= 0):
            sel = row_codes == code
            entry = {'name': names[code] if code < len(names) else f'structure {code}',
                     **fit_metrics(true_d[sel], pred_d[sel])}
            if regions is not None:
                entry['regions'] = region_metrics(regions, idx[sel], true_d[sel], pred_d[sel])
            per[str(code)] = entry
        out[name] = per
    return out


def member_seeds(seed, members):
    """Member m of an ensemble is initialised after torch.manual_seed(member_seeds(seed, K)[m])."""
    return [mix_seed((seed, 4, m)) for m in range(members)]


def bootstrap_weights(seed, members, indices, sample_count):
    """(members, sample_count) float32: member m weighs dataset row i by a Poisson(1) draw seeded from
    (seed, 5, m, i) (rows not in `indices` stay 0); fixed for the whole run, independent of the split's order."""
    weights = np.zeros((members, sample_count), dtype=np.float32)
    for m in range(members):
        for i in indices:
            weights[m, i] = np.random.default_rng(mix_seed((seed, 5, m, int(i)))).poisson(1.0)
    return torch.from_numpy(weights)


def structure_balance_weights(folder, indices):
    """(sample_count,) float32: training row i weighs n / (S · n_s(i)), n training rows of S structures, n_s of its own
    structure (rows not in `indices` stay 0). Every structure then weighs as much in the loss as any other, whatever
    its size or probe count, and the weights average 1 over the training rows, so the learning rate keeps its meaning."""
    codes = folder.structure_codes()
    if codes is None:
        raise UserError(f'{folder.dir}: balance \'structure\' needs the structure column of meta.npy, which this '
                        f'dataset lacks')
    indices = np.asarray(indices, dtype=np.int64)
    train_codes = np.asarray(codes)[indices].astype(np.int64)
    kinds, inverse, counts = np.unique(train_codes, return_inverse=True, return_counts=True)
    weights = np.zeros(folder.sample_count, dtype=np.float32)
    weights[indices] = (indices.size / (kinds.size * counts[inverse])).astype(np.float32)
    return torch.from_numpy(weights)


LABEL_BALANCE_BINS = 50
LABEL_BALANCE_KERNEL_SIGMA = 0.02
LABEL_BALANCE_MAX_RATIO = 10.0


def label_balance_weights(labels, indices, sample_count):
    """(sample_count,) float32: training row i weighs c · p(d_i)^(-1/2), p the density of the training labels d
    (histogram of LABEL_BALANCE_BINS bins over [0, 1] smoothed with a Gaussian of LABEL_BALANCE_KERNEL_SIGMA), c so
    the weights average 1 over the training rows (rows not in `indices` stay 0). Labels are bimodal (crystal near 0,
    glass near 0.85) and the probes that straddle an interface are rare, so an unweighted loss fits them last; the
    smoothing shares density between neighbouring labels (a continuous target has no classes), the square root
    tempers the inverse, and no weight exceeds LABEL_BALANCE_MAX_RATIO times the smallest, so a handful of rows in an
    empty bin cannot dominate. See docs/science.md, "Balance"."""
    indices = np.asarray(indices, dtype=np.int64)
    d = np.clip(np.asarray(labels, dtype=np.float64)[indices], 0.0, 1.0)
    bins = np.minimum((d * LABEL_BALANCE_BINS).astype(np.int64), LABEL_BALANCE_BINS - 1)
    hist = np.bincount(bins, minlength=LABEL_BALANCE_BINS).astype(np.float64)
    centres = (np.arange(LABEL_BALANCE_BINS) + 0.5) / LABEL_BALANCE_BINS
    kernel = np.exp(-0.5 * ((centres[:, None] - centres[None, :]) / LABEL_BALANCE_KERNEL_SIGMA) ** 2)
    density = kernel @ hist
    raw = density[bins] ** -0.5
    raw = np.minimum(raw, raw.min() * LABEL_BALANCE_MAX_RATIO)
    weights = np.zeros(sample_count, dtype=np.float32)
    weights[indices] = (raw / raw.mean()).astype(np.float32)
    return torch.from_numpy(weights)


def _ranks(values):
    """Ranks from 1 with ties averaged (for Spearman's ρ)."""
    values = np.asarray(values, dtype=np.float64)
    order = np.argsort(values, kind='mergesort')
    ranks = np.empty(values.size, dtype=np.float64)
    ranks[order] = np.arange(1, values.size + 1, dtype=np.float64)
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    sums = np.bincount(inverse, weights=ranks)
    return (sums / counts)[inverse]


def spearman(a, b):
    """Spearman's ρ (Pearson correlation of tie-averaged ranks); None when either side is constant."""
    ra, rb = _ranks(a), _ranks(b)
    ra, rb = ra - ra.mean(), rb - rb.mean()
    den = math.sqrt(float(np.sum(ra * ra)) * float(np.sum(rb * rb)))
    return float(np.sum(ra * rb)) / den if den > 0 else None


def ensemble_calibration(true_d, member_d):
    """The 'ensemble' metadata from validation predictions (N, K) in d units: std = population std of the members,
    floored at 1e-6; s = median(|err|/std)/0.6745 with err = true − mean, so that σ = s·std matches the validation
    errors' spread (0.6745 = the median of |z| for a normal z); Spearman ρ(σ, |err|), the fractions of |err| within
    1σ and 2σ, and the out-of-distribution threshold t = 3 × the 99th percentile of validation σ."""
    true_d = np.asarray(true_d, dtype=np.float64)
    member_d = np.asarray(member_d, dtype=np.float64)
    k = member_d.shape[1]
    std = np.maximum(member_d.std(axis=1), 1e-6)
    err = np.abs(true_d - member_d.mean(axis=1))
    s = float(np.median(err / std) / 0.6745)
    if not s > 0:
        s = 1e-6  # every validation error 0: any positive scale fits
    sigma = s * std
    return {'members': k, 'sigmaScale': s, 'sigmaThreshold': float(3 * np.percentile(sigma, 99)),
            'calibration': {'method': 'validation median |err|/std, normal quantile 0.6745', 'split': 'validation',
                            'count': int(true_d.size), 'spearman': spearman(sigma, err),
                            'coverage1': float(np.mean(err <= sigma)), 'coverage2': float(np.mean(err <= 2 * sigma))}}


def ood_statistics(stream, preprocessing, num_workers):
    """The 'ood' metadata (ring-stats-v1, see ssro_torch.export) from one pass over the training samples as augmented
    (epoch 0, a stream no training epoch uses), so inputs as noisy as the training ones count as in distribution."""
    rings = ring_index(preprocessing['side'], preprocessing['kmaxInvA'], preprocessing['deltaKInvA'],
                       preprocessing['beamMaskInvA'], OOD_BINS)
    loader = make_batch_loader(stream, 0, num_workers)
    features = np.concatenate([ring_features(x[:, 0].numpy(), rings, OOD_BINS) for x, _, _ in loader])
    mean = features.mean(axis=0)
    centred = features - mean
    cov = centred.T @ centred / features.shape[0]
    dim = cov.shape[0]
    lam = 1e-3 * float(np.trace(cov)) / dim
    if not lam > 0:
        lam = 1e-12  # constant features (e.g. all-zero inputs): keep the matrix invertible
    precision = np.linalg.inv(cov + lam * np.eye(dim))
    d2 = np.einsum('ni,ij,nj->n', centred, precision, centred)
    p50, p99, p999 = (float(np.percentile(d2, q)) for q in (50, 99, 99.9))
    # The threshold is the 99.9th percentile itself: one frame in a thousand that is like the (augmented) training
    # inputs is flagged by mistake, and nothing is assumed about the tails beyond what the training set shows.
    return {'features': 'ring-stats-v1', 'bins': OOD_BINS, 'mean': mean.tolist(),
            'precision': precision.reshape(-1).tolist(), 'threshold': max(p999, 1e-12),
            'quantiles': {'p50': p50, 'p99': p99, 'p999': p999}, 'count': int(features.shape[0]),
            'regularisation': lam}


def new_best(cfg, epoch, val_loss, best):
    """The best-checkpoint rule of the module docstring."""
    if best is None:
        return True
    if not math.isfinite(val_loss):
        return False
    after = cfg['bestAfterEpoch']
    if epoch <= after:
        return val_loss < best['valLoss']
    if best['epoch'] <= after:
        return True
    return val_loss < best['valLoss'] - cfg['minImprovement']


class CancelFlag:
    """SIGTERM/SIGINT set a flag that the training loop checks between batches."""

    def __init__(self):
        self.signal = None
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._handle)

    def _handle(self, signum, _frame):
        self.signal = signum


def _nonfinite_word(value):
    return 'NaN' if math.isnan(value) else 'infinite'


def train(cfg):
    started = time.time()
    device, cuda, mps = pick_device(cfg['device'])
    try:
        ctx = distributed.setup(device)
    except ValueError as error:
        raise UserError(str(error)) from None
    try:
        _train(cfg, ctx, started, cuda, mps)
    finally:
        ctx.teardown()


def _train(cfg, ctx, started, cuda, mps):
    device = ctx.device
    main_rank = ctx.is_main()
    threads = cfg['threads'] or ctx.threads_per_rank(_usable_cores())
    torch.set_num_threads(threads)
    try:
        per_rank = ctx.per_rank_batch(cfg['batchSize'])
    except ValueError:
        raise UserError(f'config field batchSize ({cfg["batchSize"]}) is the global batch and must be a multiple of '
                        f'the {ctx.world_size} torchrun processes (each trains on batchSize / processes rows per '
                        f'step); choose a multiple of {ctx.world_size} or another --nproc_per_node') from None
    if device.type == 'cuda':
        os.environ.setdefault('CUBLAS_WORKSPACE_CONFIG', ':4096:8')
        torch.backends.cudnn.benchmark = False
        torch.backends.cudnn.deterministic = True
    torch.use_deterministic_algorithms(True, warn_only=True)
    emit('device', device=str(device), torch=torch.__version__, torchvision=torchvision.__version__, cuda=cuda,
         mps=mps, threads=torch.get_num_threads(), deterministic=device.type == 'cpu',
         cudaDevice=torch.cuda.get_device_name(device) if device.type == 'cuda' else None,
         distributed=ctx.describe() if ctx.distributed else None)

    folder = DatasetFolder(cfg['datasetDir'], cfg['transform'], cfg['transformParams'], cfg['inputSide'])
    side = folder.input_side
    split = load_split(cfg['splitFile'], folder.sample_count)
    train_idx, val_idx, counts = select_rows(folder, split)
    target = cfg['target']
    members = cfg['members']
    augmentation = cfg['augmentation'] if cfg['augment'] else None
    emit('data', datasetDir=folder.dir, side=folder.side, inputSide=side, patternKind=folder.pattern_kind,
         target=target, model=cfg['model'], members=members, transform=cfg['transform'], augmentation=augmentation,
         **counts)
    if counts['notDone']:
        log(f'{counts["notDone"]} patterns of the split are not built yet (done.npy = 0) and are left out')

    out_dir = os.path.abspath(cfg['outDir'])
    os.makedirs(out_dir, exist_ok=True)
    paths = {name: os.path.join(out_dir, file) for name, file in (
        ('last', 'last.pt'), ('best', 'best.pt'), ('history', 'history.json'), ('valPredictions', 'val_predictions.npy'),
        ('metrics', 'metrics.json'), ('onnx', 'model.onnx'))}

    seed = cfg['seed']
    seed_everything(seed)
    # The k-grid the model sees (the coarse one with inputSide (S + 1)/2): invariant-mlp builds its rings from it.
    beam_mask = (cfg['transformParams'] or {}).get('beamMaskInvA')
    model = build_model(cfg['model'], side, members, member_seeds(seed, members) if members > 1 else None,
                        kmax_inv_a=folder.kmax_inv_a, delta_k_inv_a=folder.input_delta_k, beam_mask_inv_a=beam_mask)
    fingerprint = run_fingerprint(cfg, folder, split)
    checkpoint = read_checkpoint(paths['last']) if os.path.exists(paths['last']) else None
    if checkpoint is None:
        init = init_record(cfg)
        if cfg['imagenetWeights']:
            for member in (model.members if members > 1 else [model]):
                load_imagenet_init(member, cfg['imagenetWeights'])
        elif cfg['initStateDict']:
            load_weights(model, cfg['initStateDict'], cfg['model'])
    else:
        init = checkpoint.get('init')
    channels_last = device.type == 'cpu' and cfg['model'] in CHANNELS_LAST
    model.to(device)
    if channels_last:
        model.to(memory_format=torch.channels_last)
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg['lr'], weight_decay=cfg['weightDecay'])
    cosine = cfg['schedule'] == 'cosine'
    scheduler = None if cosine else torch.optim.lr_scheduler.ReduceLROnPlateau(
        optimizer, mode='min', factor=cfg['plateauFactor'], patience=cfg['plateauPatience'])
    ema = WeightAverage(model, cfg['emaDecay']) if cfg['emaDecay'] is not None else None
    start_epoch, best, history, best_state = 1, None, [], None
    if checkpoint is not None:
        old = {**LEGACY_FINGERPRINT, 'inputSide': folder.side, **(checkpoint.get('fingerprint') or {})}
        if old != fingerprint:
            diff = sorted(k for k in set(old) | set(fingerprint) if old.get(k) != fingerprint.get(k))
            raise UserError(f'{out_dir} holds a run with other settings (differs in: {", ".join(diff)}); '
                            f'choose another outDir or delete its last.pt to start over')
        model.load_state_dict(checkpoint['model'])
        optimizer.load_state_dict(checkpoint['optimizer'])
        if scheduler is not None:
            scheduler.load_state_dict(checkpoint['scheduler'])
        if ema is not None:
            if checkpoint.get('emaModel') is None:
                raise UserError(f'{paths["last"]} holds no weight average although the run keeps one (emaDecay); '
                                f'delete it to start over')
            ema.model.load_state_dict(checkpoint['emaModel'])
            ema.updates = int(checkpoint.get('emaUpdates') or 0)
        restore_rng_states(checkpoint['rng'], device)
        start_epoch = int(checkpoint['epoch']) + 1
        best, history = checkpoint['best'], list(checkpoint['history'])
        best_state = checkpoint['bestModel']
        # best.pt may be from an epoch that was lost in the crash (written just before last.pt): put back the one
        # last.pt knows, so best.pt always matches history.
        if main_rank:
            save_atomic(best_state, paths['best'])
        threads_before = checkpoint.get('threads')
        emit('resume', fromEpoch=start_epoch, epochs=cfg['epochs'], bestEpoch=best and best['epoch'],
             threadsBefore=threads_before)
        if main_rank:
            log(f'resuming {out_dir} at epoch {start_epoch}')
        if main_rank and threads_before is not None and threads_before != torch.get_num_threads():
            log(f'note: the run used {threads_before} threads before and {torch.get_num_threads()} now; results stay '
                f'valid but are no longer bit-identical to an uninterrupted run')
    eval_model = ema.model if ema is not None else model

    augment = None
    if augmentation == 'paper':
        augment = BatchPaperAugment()
    elif augmentation == 'detector':
        if folder.pattern_kind != 'raw-intensity':
            raise UserError(f"{folder.dir} holds model inputs, not raw patterns: detector augmentation needs raw "
                            f"intensities (choose augmentation 'paper')")
        try:
            augment = BatchDetectorAugment(folder.side, folder.kmax_inv_a, folder.delta_k_inv_a,
                                           cfg['augmentationOptions'])
        except ValueError as error:
            raise UserError(f'{folder.dir}: {error}') from None
    weights = bootstrap_weights(seed, members, train_idx, folder.sample_count) if members > 1 else None
    balance = None
    if cfg['balance'] == 'structure':
        balance = structure_balance_weights(folder, train_idx)
    elif cfg['balance'] == 'label':
        balance = label_balance_weights(folder.labels, train_idx, folder.sample_count)
    if balance is not None:
        weights = balance[None, :] if weights is None else weights * balance[None, :]
    weights = weights.to(device) if weights is not None else None
    batch_size = cfg['batchSize']
    # Data parallel: every rank walks the same global batches and trains on its rows of each (the BatchStream shard).
    train_stream = BatchStream(folder, train_idx, target, batch_size, augment, seed, shuffle=True,
                               rank=ctx.rank, world_size=ctx.world_size)
    train_eval = BatchStream(folder, train_idx, target, batch_size, None, seed)
    val_stream = BatchStream(folder, val_idx, target, batch_size, None, seed)
    batches = len(train_stream)
    if ctx.distributed and main_rank:
        log(f'data parallel: {ctx.world_size} processes ({ctx.backend}), {per_rank} of every global batch of '
            f'{batch_size} rows each')
    total_steps = cfg['epochs'] * batches
    warmup_steps = cfg['warmupEpochs'] * batches

    def schedule_lr(step):
        return cosine_lr(step, total_steps, warmup_steps, cfg['lr'], cfg['minLr'])

    def run_evaluate(net, stream):
        return evaluate(net, stream, device, cfg['numWorkers'], members, cfg['tta'], channels_last, ctx)

    loss_fn = nn.L1Loss()
    pin = device.type == 'cuda'
    cancel = CancelFlag()

    def nonfinite(value, epoch, b):
        kept = (f'{paths["last"]} holds the last good epoch ({epoch - 1})' if epoch > start_epoch or
                start_epoch > 1 else 'no epoch finished, so nothing was saved')
        return UserError(f'training loss became {_nonfinite_word(value)} at epoch {epoch}, batch {b}; lower the '
                         f'learning rate (lr {cfg["lr"]}) or check the dataset for extreme patterns; {kept}')

    def cancelled(signum, epoch):
        return Cancelled(f'stopped by signal {signum} during epoch {epoch}; {paths["last"]} holds epoch '
                         f'{epoch - 1}; run the same config again to resume')

    for epoch in range(start_epoch, cfg['epochs'] + 1):
        epoch_start = time.time()
        model.train()
        first_step = (epoch - 1) * batches
        lr = schedule_lr(first_step) if cosine else optimizer.param_groups[0]['lr']
        loader = make_batch_loader(train_stream, epoch, cfg['numWorkers'], pin)
        loss_sum, seen, last_report = 0.0, 0, 0.0
        for b, (x, y, index) in enumerate(loader, 1):
            x = x.to(device, non_blocking=pin)
            y = y.to(device, non_blocking=pin)
            if channels_last:
                x = x.contiguous(memory_format=torch.channels_last)
            if cosine:
                step_lr = schedule_lr(first_step + b - 1)
                for group in optimizer.param_groups:
                    group['lr'] = step_lr
            else:
                step_lr = lr
            optimizer.zero_grad(set_to_none=True)
            if not ctx.distributed:
                if weights is None:
                    loss = loss_fn(model(x), y)
                else:
                    w = weights[:, index.to(device)].t()  # (B, K)
                    loss = (w * (model(x) - y).abs()).mean(dim=0).sum()
                value = float(loss.item()) / members
                if not math.isfinite(value):
                    raise nonfinite(value, epoch, b)
                loss.backward()
                rows = x.shape[0]
            else:
                # This rank's share of the global batch's mean loss: its rows' losses over the global batch's row
                # count, so the gradients summed over the ranks are those of one process on the whole batch (also
                # for a last, short batch the ranks share unequally). The loss and the cancel flag are summed too,
                # so every rank stops at the same step with the same message.
                rows = train_stream.global_batch_size(b - 1)
                local = 0.0
                if x.shape[0] > 0:
                    residual = (model(x) - y).abs()
                    if weights is not None:
                        residual = weights[:, index.to(device)].t() * residual
                    part = residual.sum() / rows
                    part.backward()
                    local = float(part.item())
                total, stop = ctx.all_reduce_sum([local, 0.0 if cancel.signal is None else 1.0])
                value = total / members
                if not math.isfinite(value):
                    raise nonfinite(value, epoch, b)
                if stop:
                    raise cancelled(cancel.signal or 'SIGTERM/SIGINT (another process)', epoch)
                ctx.sum_gradients(model.parameters())
            optimizer.step()
            if ema is not None:
                ema.update(model)
            loss_sum += value * rows
            seen += rows
            if cancel.signal is not None and not ctx.distributed:
                raise cancelled(cancel.signal, epoch)
            now = time.time()
            if b == batches or now - last_report >= cfg['progressSeconds']:
                last_report = now
                emit('batch', epoch=epoch, batch=b, batches=batches, loss=value, lr=step_lr,
                     imagesPerSecond=seen / max(now - epoch_start, 1e-9))
        train_loss = loss_sum / max(seen, 1)
        if ctx.distributed:
            # The running statistics each rank gathered from its shards, averaged (every rank then evaluates and
            # averages the same weights); the weight average copies them, as its last update would have.
            ctx.average_batchnorm_statistics(model)
            if ema is not None:
                ema.copy_buffers(model)

        predicted = run_evaluate(eval_model, val_stream).mean(axis=1)
        val_true = val_stream.targets.astype(np.float64)
        val_loss = float(np.mean(np.abs(predicted - val_true)))
        m = fit_metrics(to_d(val_true, target), to_d(predicted, target))
        if scheduler is not None:
            scheduler.step(val_loss)
        next_lr = schedule_lr(epoch * batches) if cosine else optimizer.param_groups[0]['lr']
        is_best = new_best(cfg, epoch, val_loss, best)
        if is_best:
            best = {'epoch': epoch, 'valLoss': val_loss}
            best_state = {k: v.detach().to('cpu', copy=True) for k, v in eval_model.state_dict().items()}
            if main_rank:
                save_atomic(best_state, paths['best'])
        record = {'epoch': epoch, 'trainLoss': train_loss, 'valLoss': val_loss, 'valMae': m['mae'],
                  'valRmse': m['rmse'], 'valR2': m['r2'], 'lr': lr, 'nextLr': next_lr,
                  'seconds': time.time() - epoch_start, 'best': is_best}
        history.append(record)
        if not main_rank:
            continue  # rank 0 writes the files and prints the events
        save_atomic(checkpoint_dict(epoch, model.state_dict(), best_state, {
            'optimizer': optimizer.state_dict(), 'scheduler': scheduler.state_dict() if scheduler else None,
            'best': best, 'history': history, 'rng': rng_states(device), 'fingerprint': fingerprint, 'config': cfg,
            'threads': torch.get_num_threads(), 'device': str(device), 'formatVersion': FORMAT_VERSION,
            'init': init, 'emaUpdates': ema.updates if ema is not None else None},
            ema.model.state_dict() if ema is not None else None), paths['last'])
        write_json_atomic(paths['history'], {'bestEpoch': best['epoch'], 'bestValLoss': best['valLoss'],
                                             'epochs': history})
        emit('epoch', epochs=cfg['epochs'], bestEpoch=best['epoch'], bestValLoss=best['valLoss'], **record)

    # Outputs from the best model (the weight average's best epoch when the run keeps one).
    emit('phase', phase='evaluate')
    eval_model.load_state_dict(best_state)
    eval_model.to(device)
    val_members = run_evaluate(eval_model, val_stream)
    val_pred = val_members.mean(axis=1)
    train_pred = run_evaluate(eval_model, train_eval).mean(axis=1)
    if not main_rank:
        # Rank 0 writes the outputs; wait for them, so no process of the run ends before its files are on disk.
        ctx.barrier()
        return
    labels = np.asarray(folder.labels)
    val_true_d, train_true_d = labels[val_idx].astype(np.float64), labels[train_idx].astype(np.float64)
    val_pred_d, train_pred_d = to_d(val_pred, target), to_d(train_pred, target)
    table = np.stack([val_idx.astype(np.float64), val_true_d, val_pred_d], axis=1)
    buffer = io.BytesIO()
    np.save(buffer, table)
    write_bytes_atomic(paths['valPredictions'], buffer.getvalue())
    metrics = {'target': target, 'units': 'd', 'bestEpoch': best['epoch'],
               'train': fit_metrics(train_true_d, train_pred_d), 'validation': fit_metrics(val_true_d, val_pred_d)}
    parts = (('train', train_idx, train_true_d, train_pred_d), ('validation', val_idx, val_true_d, val_pred_d))
    regions = folder.region_codes()
    if regions is not None and np.any(regions[np.concatenate([train_idx, val_idx])] >= 0):
        metrics['regions'] = {name: region_metrics(regions, idx, t, p) for name, idx, t, p in parts}
    structures = structure_metrics(folder, parts)
    if structures is not None:
        metrics['structures'] = structures
    metrics['init'] = init
    metrics['split'] = cfg['splitInfo']
    metrics['tta'] = cfg['tta']
    write_json_atomic(paths['metrics'], metrics)

    if not cfg['exportOnnx']:
        outputs = {k: v for k, v in paths.items() if k != 'onnx'}
        ctx.barrier()
        emit('done', epochs=len(history), bestEpoch=best['epoch'], bestValLoss=best['valLoss'], metrics=metrics,
             outputs=outputs, seconds=time.time() - started)
        return
    emit('phase', phase='calibrate')
    preprocessing = folder.preprocessing()
    ensemble = ensemble_calibration(val_true_d, to_d(val_members, target)) if members > 1 else None
    ood = None
    if preprocessing['transform'] == ANNULUS_LOG:
        # The whole training set as augmented (a data-parallel train_stream holds only this rank's rows).
        ood_stream = train_stream if not ctx.distributed else BatchStream(folder, train_idx, target, batch_size,
                                                                          augment, seed, shuffle=True)
        ood = ood_statistics(ood_stream, preprocessing, cfg['numWorkers'])
    emit('phase', phase='export')
    described = augment.describe() if augment else None
    if described is not None and folder.stride != 1:
        described = {**described, 'inputStride': folder.stride}
    metadata = ssro_metadata(cfg['model'], target, preprocessing, dataset_id=cfg['datasetId'],
                             metrics={'train': metrics['train'], 'validation': metrics['validation']},
                             epochs=len(history), best_epoch=best['epoch'], seed=seed, members=members,
                             ensemble=ensemble, ood=ood, tta=cfg['tta'], init=init, split=cfg['splitInfo'],
                             source={'kind': 'trained', 'augment': described, 'augmentation': described,
                                     'transform': preprocessing, 'members': members, 'model': cfg['model'],
                                     'lr': cfg['lr'], 'batchSize': cfg['batchSize'], 'weightDecay': cfg['weightDecay'],
                                     'schedule': cfg['schedule'], 'minLr': cfg['minLr'],
                                     'warmupEpochs': cfg['warmupEpochs'], 'emaDecay': cfg['emaDecay'],
                                     'balance': cfg['balance'], 'datasetSide': folder.side, 'inputSide': side})
    export_model = with_tta(copy.deepcopy(eval_model).to('cpu').to(memory_format=torch.contiguous_format),
                            cfg['tta'], side)
    export_onnx(export_model, side, paths['onnx'], metadata)
    ctx.barrier()
    emit('done', epochs=len(history), bestEpoch=best['epoch'], bestValLoss=best['valLoss'], metrics=metrics,
         outputs=paths, seconds=time.time() - started)


def main(argv=None):
    parser = argparse.ArgumentParser(prog='python3 -m ssro_torch.train', description=__doc__.split('\n\n')[0])
    parser.add_argument('--config', required=True, help='the run config (JSON; see the module docstring)')
    args = parser.parse_args(argv)
    train(read_config(args.config))


if __name__ == '__main__':
    run_main(main)
