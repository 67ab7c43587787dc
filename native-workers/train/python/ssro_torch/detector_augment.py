"""Detector-realistic augmentation of raw simulated patterns, applied on the fly before the model's transform.

Simulated patterns are noise-free, perfectly centred and in arbitrary intensity units; measured 4D-STEM frames are
counts with shot noise, an unknown dose, a bright (often saturated) direct beam, some background, a slightly wrong
centre and calibration, and a probe-convergence blur. The paper's augmentation (papers/000 §2.3, ssro_torch.augment)
adds Gaussian noise to the log-transformed input, which is not what a detector does; this pipeline adds the detector's
nuisances to the raw pattern instead and lets the model's own transform (annulus-log) follow, so training inputs look
like the inputs the app makes from measured frames. In order:

  a. geometry, one bilinear resampling (torch grid_sample, zeros outside the grid): rotation uniform in
     ±rotationDeg, k-scale jitter uniform in ±scaleJitter, elliptical distortion (stretch 1 + e along a random
     axis, e uniform in [0, ellipticity]), centre offset uniform in ±centreOffsetPx per axis;
  b. probe-convergence blur (p blurP): Gaussian with σ uniform in [0, blurSigmaPx] px;
  c. intensity → counts: scale so the mean over the dose annulus (doseAnnulusInvA, 0.3 ≤ |K| < 0.6 Å⁻¹: the first
     halo of a metallic glass) is a dose D log-uniform in doseRange counts per pixel; a constant background uniform
     in [0, backgroundFraction]·D (p backgroundP); a direct-beam disc at the (offset) centre, radius uniform in
     beamRadiusInvA, height log-uniform in beamHeight × D; saturation (p saturationP) clips every pixel at a level
     uniform in saturationLevel × the disc height; then Poisson sampling of the counts;
  d. (in ssro_torch.data) the model's transform.

Every random number comes from the per-sample generator the caller passes (seeded by seed/epoch/index in
ssro_torch.data). The 15 uniforms of the parameters are drawn first, always, whatever the switches say, and Poisson
sampling comes last, so switching a step off never shifts another step's numbers. When the grid holds no node of the
dose annulus (kmax ≤ 0.3 Å⁻¹), the dose refers to the mean over 0.1 ≤ |K| < kmax instead.

Training runs this pipeline on whole batches (ssro_torch.batch_augment.BatchDetectorAugment, the same parameters
drawn from one generator per batch); this per-sample version stays as the reference it is tested against.
"""
import math

import torch
import torch.nn.functional as F

from .transforms import annulus_mask

DEFAULT_OPTIONS = {
    'geometry': True, 'rotationDeg': 180.0, 'scaleJitter': 0.03, 'ellipticity': 0.02, 'centreOffsetPx': 1.5,
    'blur': True, 'blurP': 0.5, 'blurSigmaPx': 1.0,
    'dose': True, 'doseRange': [10.0, 1e4], 'doseAnnulusInvA': [0.3, 0.6],
    'background': True, 'backgroundP': 0.5, 'backgroundFraction': 0.2,
    'beam': True, 'beamRadiusInvA': [0.02, 0.09], 'beamHeight': [10.0, 1e4],
    'saturation': True, 'saturationP': 0.5, 'saturationLevel': [0.5, 1.0],
    'poisson': True,
}
SWITCHES = ('geometry', 'blur', 'dose', 'background', 'beam', 'saturation', 'poisson')
PROBABILITIES = ('blurP', 'backgroundP', 'saturationP')
#: non-negative numbers (upper ends of symmetric or [0, x] ranges)
AMOUNTS = ('rotationDeg', 'scaleJitter', 'ellipticity', 'centreOffsetPx', 'blurSigmaPx', 'backgroundFraction')
#: [lo, hi] with 0 ≤ lo ≤ hi (log-uniform ones need lo > 0)
RANGES = ('doseRange', 'doseAnnulusInvA', 'beamRadiusInvA', 'beamHeight', 'saturationLevel')
LOG_RANGES = ('doseRange', 'beamHeight')
DRAWS = 15
#: The dose fallback region's inner edge when the dose annulus is off the grid (the annulus-log beam mask).
FALLBACK_INNER_INV_A = 0.1


def _number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def check_options(options):
    """The options with defaults filled in; ValueError naming the first bad key and what it may be."""
    if options is None:
        options = {}
    if not isinstance(options, dict):
        raise ValueError('augmentationOptions must be an object or null')
    unknown = sorted(set(options) - set(DEFAULT_OPTIONS))
    if unknown:
        raise ValueError(f'augmentationOptions: unknown key(s) {", ".join(unknown)}; allowed: '
                         f'{", ".join(DEFAULT_OPTIONS)}')
    out = {k: (list(v) if isinstance(v, list) else v) for k, v in DEFAULT_OPTIONS.items()}
    for key, value in options.items():
        if key in SWITCHES:
            ok, what = isinstance(value, bool), 'true or false'
        elif key in PROBABILITIES:
            ok, what = _number(value) and 0 <= value <= 1, 'a number in [0, 1]'
        elif key in AMOUNTS:
            ok, what = _number(value) and value >= 0, 'a number ≥ 0'
            if key == 'scaleJitter' or key == 'ellipticity':
                ok, what = ok and value < 0.5, 'a number in [0, 0.5)'
        else:
            positive = key in LOG_RANGES
            ok = (isinstance(value, list) and len(value) == 2 and all(_number(x) for x in value)
                  and (value[0] > 0 if positive else value[0] >= 0) and value[0] <= value[1])
            what = f'[lo, hi] with {"0 <" if positive else "0 ≤"} lo ≤ hi'
        if not ok:
            raise ValueError(f'augmentationOptions.{key} must be {what} (got {value!r})')
        out[key] = [float(x) for x in value] if isinstance(value, list) else value
    return out


def _uniform(u, lo, hi):
    return lo + u * (hi - lo)


def _log_uniform(u, lo, hi):
    return math.exp(math.log(lo) + u * (math.log(hi) - math.log(lo)))


class DetectorAugment:
    """The pipeline on raw (S, S) patterns of one k-grid (side S = 2n + 1, kmaxInvA, deltaKInvA)."""

    #: ssro_torch.data.PatternSamples hands this augmentation the raw pattern (the transform runs after it).
    stage = 'raw'

    def __init__(self, side, kmax_inv_a, delta_k_inv_a, options=None):
        if kmax_inv_a is None or delta_k_inv_a is None:
            raise ValueError('detector augmentation needs the k-grid (kmaxInvA and deltaKInvA)')
        self.side = int(side)
        self.kmax = float(kmax_inv_a)
        self.dk = float(delta_k_inv_a)
        self.options = check_options(options)
        self.n = (self.side - 1) // 2
        lo, hi = self.options['doseAnnulusInvA']
        mask = annulus_mask(self.side, hi, self.dk, lo)
        self.dose_region = 'doseAnnulusInvA'
        if not mask.any():
            mask = annulus_mask(self.side, self.kmax, self.dk, FALLBACK_INNER_INV_A)
            self.dose_region = f'{FALLBACK_INNER_INV_A} ≤ |K| < kmax (the dose annulus is off the grid)'
        self.dose_mask = torch.from_numpy(mask)
        offsets = torch.arange(-self.n, self.n + 1, dtype=torch.float64)
        self.cols = offsets[None, :].expand(self.side, self.side)  # i
        self.rows = offsets[:, None].expand(self.side, self.side)  # j

    def draw(self, generator):
        """The sample's parameters from its generator (always DRAWS uniforms, in a fixed order)."""
        o = self.options
        u = torch.rand(DRAWS, generator=generator, dtype=torch.float64).tolist()
        dose = _log_uniform(u[8], *o['doseRange'])
        return {
            'angleDeg': (2 * u[0] - 1) * o['rotationDeg'],
            'scale': 1 + (2 * u[1] - 1) * o['scaleJitter'],
            'ellipticity': u[2] * o['ellipticity'],
            'axisRad': u[3] * math.pi,
            'offsetPx': [(2 * u[4] - 1) * o['centreOffsetPx'], (2 * u[5] - 1) * o['centreOffsetPx']],
            'blur': u[6] < o['blurP'],
            'blurSigmaPx': u[7] * o['blurSigmaPx'],
            'dose': dose,
            'background': u[9] < o['backgroundP'],
            'backgroundFraction': u[10] * o['backgroundFraction'],
            'beamRadiusInvA': _uniform(u[11], *o['beamRadiusInvA']),
            'beamHeightRatio': _log_uniform(u[12], *o['beamHeight']),
            'saturation': u[13] < o['saturationP'],
            'saturationRatio': _uniform(u[14], *o['saturationLevel']),
        }

    def __call__(self, raw, generator):
        """Raw (S, S) pattern (tensor or array) → augmented raw counts, (S, S) float64 tensor."""
        return self.apply(raw, self.draw(generator), generator)

    def geometry(self, x, p):
        """Step a on an (S, S) float64 tensor."""
        theta = math.radians(p['angleDeg'])
        c, s = math.cos(theta), math.sin(theta)
        rotation = torch.tensor([[c, -s], [s, c]], dtype=torch.float64)
        a = torch.tensor([math.cos(p['axisRad']), math.sin(p['axisRad'])], dtype=torch.float64)
        stretch = torch.eye(2, dtype=torch.float64) + p['ellipticity'] * torch.outer(a, a)
        forward = p['scale'] * rotation @ stretch  # source offset q → output offset p = o + forward·q
        inverse = torch.linalg.inv(forward)
        offset = torch.tensor(p['offsetPx'], dtype=torch.float64) / max(self.n, 1)
        affine = torch.cat([inverse, (-inverse @ offset)[:, None]], dim=1)[None]  # normalised (x=col, y=row)
        grid = F.affine_grid(affine, [1, 1, self.side, self.side], align_corners=True)
        return F.grid_sample(x[None, None], grid, mode='bilinear', padding_mode='zeros', align_corners=True)[0, 0]

    @staticmethod
    def blur(x, sigma):
        """Step b: separable Gaussian of σ px, zeros beyond the grid."""
        if sigma < 1e-3:
            return x
        radius = max(1, math.ceil(3 * sigma))
        t = torch.arange(-radius, radius + 1, dtype=torch.float64)
        k = torch.exp(-t ** 2 / (2 * sigma * sigma))
        k = k / k.sum()
        y = F.conv2d(x[None, None], k.view(1, 1, 1, -1), padding=(0, radius))
        y = F.conv2d(y, k.view(1, 1, -1, 1), padding=(radius, 0))
        return y[0, 0]

    def apply(self, raw, p, generator):
        """The pipeline with the parameters `p` of draw(); `generator` feeds the Poisson sampling."""
        o = self.options
        x = torch.as_tensor(raw, dtype=torch.float64).clone().clamp_(min=0.0)
        if x.shape != (self.side, self.side):
            raise ValueError(f'detector augmentation expects {self.side}×{self.side} patterns (got {tuple(x.shape)})')
        if o['geometry']:
            x = self.geometry(x, p)
        if o['blur'] and p['blur']:
            x = self.blur(x, p['blurSigmaPx'])
        level = float(x[self.dose_mask].mean())
        if o['dose']:
            x = x * (p['dose'] / level if level > 0 else 0.0)
            level = p['dose']
        if o['background'] and p['background']:
            x = x + p['backgroundFraction'] * level
        height = p['beamHeightRatio'] * level
        if o['beam']:
            dx, dy = p['offsetPx'] if o['geometry'] else (0.0, 0.0)
            r2 = (self.dk ** 2) * ((self.cols - dx) ** 2 + (self.rows - dy) ** 2)
            x = x + torch.where(r2 <= p['beamRadiusInvA'] ** 2, height, 0.0)
        if o['saturation'] and p['saturation']:
            x = x.clamp(max=p['saturationRatio'] * height)
        if o['poisson']:
            x = torch.poisson(x, generator=generator)
        return x

    def describe(self):
        """The exact settings, for the model's metadata."""
        return {'kind': 'detector', 'stage': 'raw (before the transform)', 'options': dict(self.options),
                'order': ['geometry', 'blur', 'dose', 'background', 'beam', 'saturation', 'poisson'],
                'doseRegion': self.dose_region, 'interpolation': 'bilinear', 'fill': 0, 'uniformsPerSample': DRAWS,
                'grid': {'side': self.side, 'kmaxInvA': self.kmax, 'deltaKInvA': self.dk}}
