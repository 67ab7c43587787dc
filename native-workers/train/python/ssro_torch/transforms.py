"""Raw pattern → model input: the transforms a model can record (main/shared/model-transform.ts), implemented exactly
as native-workers/lib/diffraction/model-input.ts does so a model sees the same numbers in training and in the app.

A raw pattern I is (…, S, S), S = 2n + 1; node (i, j) of the k-grid is at column i + n, row j + n and has
|K| = Δk·sqrt(i² + j²) (Δk = deltaKInvA). Every transform first refuses non-finite values (ValueError naming the
index) and clamps negative values to 0 (a dark-subtracted frame dips below 0 where there is no signal). Arithmetic is
in float64 with one rounding to float32 at the end.

* 'log1-minmax' (v1, papers/000 §2.3 as described): L = log(max(I, 1)), (L − min L)/(max L − min L) per pattern, all
  zeros for a flat pattern. Depends on the intensity unit (the clip at 1) and on the direct beam (usually the max).
* 'log1-globalmax' (the authors' own code, for their imported checkpoints): log(max(I, 1)) / G with G the training
  set's maximum log-intensity, a recorded constant; not clipped.
* 'annulus-log' (v2, the default): invariant to a global intensity scale and blind to the direct beam. A = nodes with
  beamMaskInvA ≤ |K| < kmaxInvA (compared squared: Δk²ρ ≥ kb², Δk²ρ < kmax², ρ = i² + j²) that are not invalid;
  m = mean of I over A; y = log1p(I/(c·m)) / log1p(R/c) clipped to [0, 1] on A, exactly 0 elsewhere; all zeros when A
  is empty or m is not > 0. c = floorRatio, R = ceilingRatio.
"""
import math

import numpy as np

LOG1_MINMAX = 'log1-minmax'
LOG1_GLOBALMAX = 'log1-globalmax'
ANNULUS_LOG = 'annulus-log'
TRANSFORMS = (ANNULUS_LOG, LOG1_MINMAX, LOG1_GLOBALMAX)
#: What a training run may use (log1-globalmax only describes imported checkpoints).
TRAINING_TRANSFORMS = (ANNULUS_LOG, LOG1_MINMAX)
DEFAULT_TRANSFORM = ANNULUS_LOG
ANNULUS_LOG_DEFAULTS = {'beamMaskInvA': 0.1, 'floorRatio': 0.05, 'ceilingRatio': 50.0}

LOG1_MINMAX_NORMALISATION = 'per-pattern min-max to [0,1]'
LOG1_GLOBALMAX_NORMALISATION = "log(max(I, 1)) / globalLogMax (the training set's maximum)"
ANNULUS_LOG_NORMALISATION = ('log(1 + I/(c·m)) / log(1 + R/c) clipped to [0,1]; m = mean of I over beamMask ≤ |K| < '
                             'kmax; 0 inside the beam mask and beyond kmax')


def checked_raw(raw):
    """The raw intensities as float64 with negative values clamped to 0; ValueError naming the first non-finite one."""
    x = np.array(raw, dtype=np.float64)  # a copy: the caller's array is never modified
    if x.ndim < 2:
        raise ValueError(f'a pattern needs two axes (got shape {x.shape})')
    bad = ~np.isfinite(x)
    if bad.any():
        where = np.argwhere(bad)[0]
        raise ValueError(f'invalid raw intensity {x[tuple(where)]} at index {tuple(int(i) for i in where)} '
                         f'(raw intensities are finite)')
    np.maximum(x, 0.0, out=x)
    return x


def log1_minmax(raw):
    """'log1-minmax' of raw patterns (…, S, S) → float32 in [0, 1]."""
    level = np.log(np.maximum(checked_raw(raw), 1.0))
    lo = level.min(axis=(-2, -1), keepdims=True)
    hi = level.max(axis=(-2, -1), keepdims=True)
    span = hi - lo
    flat = ~(span > 0)
    out = (level - lo) / np.where(flat, 1.0, span)
    out = np.where(flat, 0.0, out)
    return out.astype(np.float32)


def log1_globalmax(raw, global_log_max):
    """'log1-globalmax': log(max(I, 1)) / G (G > 0, the recorded constant), not clipped."""
    g = float(global_log_max)
    if not (math.isfinite(g) and g > 0):
        raise ValueError(f'globalLogMax must be a finite number > 0 (got {global_log_max!r})')
    return (np.log(np.maximum(checked_raw(raw), 1.0)) / g).astype(np.float32)


def squared_radius_grid(side):
    """ρ = i² + j² per node of an S×S grid (S odd), as int64 (exact)."""
    if side < 1 or side % 2 != 1:
        raise ValueError(f'the pattern side must be odd (2n + 1; got {side})')
    n = (side - 1) // 2
    offsets = np.arange(-n, n + 1, dtype=np.int64)
    return offsets[None, :] ** 2 + offsets[:, None] ** 2  # [row j, column i]


def annulus_mask(side, kmax_inv_a, delta_k_inv_a, inner_inv_a):
    """Nodes with inner ≤ |K| < kmax (compared squared, float64), (S, S) bool."""
    k2 = (float(delta_k_inv_a) ** 2) * squared_radius_grid(side).astype(np.float64)
    return (k2 >= float(inner_inv_a) ** 2) & (k2 < float(kmax_inv_a) ** 2)


def annulus_log(raw, kmax_inv_a, delta_k_inv_a, beam_mask_inv_a=ANNULUS_LOG_DEFAULTS['beamMaskInvA'],
                floor_ratio=ANNULUS_LOG_DEFAULTS['floorRatio'], ceiling_ratio=ANNULUS_LOG_DEFAULTS['ceilingRatio'],
                invalid=None):
    """'annulus-log' of raw patterns (…, S, S) → float32 in [0, 1] (see the module docstring). `invalid`: optional
    boolean array broadcastable to the patterns, True at nodes without data (left out of m, output 0)."""
    for name, value in (('kmaxInvA', kmax_inv_a), ('deltaKInvA', delta_k_inv_a)):
        if value is None or not (math.isfinite(float(value)) and float(value) > 0):
            raise ValueError(f'the annulus-log transform needs the k-grid: {name} must be a number > 0 (got {value!r})')
    if not (math.isfinite(float(beam_mask_inv_a)) and float(beam_mask_inv_a) >= 0):
        raise ValueError(f'beamMaskInvA must be a number ≥ 0 (got {beam_mask_inv_a!r})')
    c, r = float(floor_ratio), float(ceiling_ratio)
    if not (math.isfinite(c) and c > 0 and math.isfinite(r) and r > 0):
        raise ValueError(f'floorRatio and ceilingRatio must be numbers > 0 (got {floor_ratio!r}, {ceiling_ratio!r})')
    x = checked_raw(raw)
    side = x.shape[-1]
    if x.shape[-2] != side:
        raise ValueError(f'patterns are square (got {x.shape[-2]}×{side})')
    region = annulus_mask(side, kmax_inv_a, delta_k_inv_a, beam_mask_inv_a)
    region = np.broadcast_to(region, x.shape)
    if invalid is not None:
        region = region & ~np.broadcast_to(np.asarray(invalid, dtype=bool), x.shape)
    count = region.sum(axis=(-2, -1), keepdims=True)
    total = np.where(region, x, 0.0).sum(axis=(-2, -1), keepdims=True)
    m = total / np.maximum(count, 1)
    usable = (count > 0) & (m > 0)
    scale = c * np.where(usable, m, 1.0)
    y = np.log1p(x / scale) / math.log1p(r / c)
    y = np.clip(y, 0.0, 1.0)
    y = np.where(region & usable, y, 0.0)
    return y.astype(np.float32)


def preprocessing_record(transform, side, kmax_inv_a, delta_k_inv_a, params=None, global_log_max=None):
    """The preprocessing record a model stores (model-transform.ts preprocessingRecord); params: annulus-log constants
    (None = the defaults)."""
    side = int(side)
    if transform == LOG1_MINMAX:
        return {'transform': LOG1_MINMAX, 'side': side, 'kmaxInvA': kmax_inv_a, 'deltaKInvA': delta_k_inv_a,
                'logClip': 1, 'normalisation': LOG1_MINMAX_NORMALISATION}
    if transform == LOG1_GLOBALMAX:
        g = None if global_log_max is None else float(global_log_max)
        if g is None or not (math.isfinite(g) and g > 0):
            raise ValueError(f'log1-globalmax needs globalLogMax, a number > 0 (got {global_log_max!r})')
        return {'transform': LOG1_GLOBALMAX, 'side': side, 'kmaxInvA': kmax_inv_a, 'deltaKInvA': delta_k_inv_a,
                'logClip': 1, 'globalLogMax': g, 'normalisation': LOG1_GLOBALMAX_NORMALISATION}
    if transform == ANNULUS_LOG:
        if kmax_inv_a is None or delta_k_inv_a is None:
            raise ValueError('the annulus-log transform needs the k-grid (kmaxInvA and deltaKInvA)')
        p = dict(ANNULUS_LOG_DEFAULTS)
        p.update(params or {})
        return {'transform': ANNULUS_LOG, 'version': 2, 'side': side, 'kmaxInvA': float(kmax_inv_a),
                'deltaKInvA': float(delta_k_inv_a), 'beamMaskInvA': float(p['beamMaskInvA']),
                'floorRatio': float(p['floorRatio']), 'ceilingRatio': float(p['ceilingRatio']),
                'normalisation': ANNULUS_LOG_NORMALISATION}
    raise ValueError(f"unknown transform {transform!r}; choose one of {', '.join(TRANSFORMS)}")


def model_input(raw, preprocessing, invalid=None):
    """Raw patterns (…, S, S) → float32 model inputs by a preprocessing record (as stored in a model's metadata).
    `invalid` (annulus-log only; the other transforms have no notion of missing nodes) marks nodes without data."""
    transform = preprocessing.get('transform')
    side = preprocessing.get('side')
    shape = np.shape(raw)
    if side is not None and (len(shape) < 2 or shape[-1] != side or shape[-2] != side):
        raise ValueError(f'patterns of shape {tuple(shape)} do not fit the recorded side {side}')
    if transform == LOG1_MINMAX:
        return log1_minmax(raw)
    if transform == LOG1_GLOBALMAX:
        return log1_globalmax(raw, preprocessing.get('globalLogMax'))
    if transform == ANNULUS_LOG:
        return annulus_log(raw, preprocessing.get('kmaxInvA'), preprocessing.get('deltaKInvA'),
                           preprocessing.get('beamMaskInvA', ANNULUS_LOG_DEFAULTS['beamMaskInvA']),
                           preprocessing.get('floorRatio', ANNULUS_LOG_DEFAULTS['floorRatio']),
                           preprocessing.get('ceilingRatio', ANNULUS_LOG_DEFAULTS['ceilingRatio']), invalid)
    raise ValueError(f"unknown transform {transform!r}; choose one of {', '.join(TRANSFORMS)}")


# ---- out-of-distribution features (ring-stats-v1) ----

OOD_FEATURES = 'ring-stats-v1'
OOD_BINS = 12


def ring_index(side, kmax_inv_a, delta_k_inv_a, beam_mask_inv_a, bins=OOD_BINS):
    """Ring of each node for ring-stats-v1: b = floor((|K| − kb)/(kmax − kb)·bins) clamped to bins − 1 on the
    annulus kb ≤ |K| < kmax (membership compared squared, as annulus-log), −1 elsewhere; (S, S) int64."""
    region = annulus_mask(side, kmax_inv_a, delta_k_inv_a, beam_mask_inv_a)
    k = float(delta_k_inv_a) * np.sqrt(squared_radius_grid(side).astype(np.float64))
    kb, km = float(beam_mask_inv_a), float(kmax_inv_a)
    b = np.floor((k - kb) / (km - kb) * bins).astype(np.int64)
    b = np.clip(b, 0, bins - 1)
    return np.where(region, b, -1)


def ring_features(y, rings, bins=OOD_BINS):
    """ring-stats-v1 features of model inputs y (…, S, S): [mean of y per ring (bins), population std per ring
    (bins)], float64 (…, 2·bins); an empty ring gives 0 and 0. Every node of the annulus counts (invalid ones with
    their y = 0)."""
    y = np.asarray(y, dtype=np.float64)
    lead = y.shape[:-2]
    flat = y.reshape(lead + (-1,))
    r = rings.reshape(-1)
    out = np.zeros(lead + (2 * bins,), dtype=np.float64)
    for b in range(bins):
        sel = r == b
        if not sel.any():
            continue
        v = flat[..., sel]
        mean = v.mean(axis=-1)
        out[..., b] = mean
        out[..., bins + b] = np.sqrt(np.mean((v - mean[..., None]) ** 2, axis=-1))
    return out
