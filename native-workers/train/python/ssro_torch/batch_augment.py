"""Training augmentation on whole batches as torch operations: the pipelines of ssro_torch.augment ('paper') and
ssro_torch.detector_augment ('detector') with the same distributions, one ``F.affine_grid``/``F.grid_sample`` per
batch for the geometry and vectorised intensity steps, instead of per-sample work.

Random numbers: one generator per batch (seeded by the caller from (seed, epoch, batch index), see
ssro_torch.data.BatchStream); every uniform of the batch is drawn first in one (B, U) block (row k = sample k of the
batch, columns in the order listed below), the Gaussian noise or Poisson sampling last, so switching a step off or
setting a probability to 0 never shifts another step's numbers, and a step with probability 0 (or switched off) is
the identity.

'paper' (papers/000 §2.3) on model inputs (B, 1, S, S) in [0, 1]; U = 4 uniforms per sample (apply, angle,
autocontrast, sharpness), then one standard normal per pixel of the batch:
  with probability p (0.8) per sample, in order: rotation by an angle uniform in (−maxRotationDeg, maxRotationDeg)
  about the centre node (bilinear, zeros outside); autocontrast (p 0.5): (x − min)/(max − min) per sample, unchanged
  when flat, as torchvision's autocontrast; Gaussian noise σ 0.1, clipped to [0, 1]; sharpness by factor 0.5 (p 0.5),
  as torchvision's adjust_sharpness: blend f·x + (1 − f)·b, b = x smoothed by the 3 × 3 kernel [1 1 1; 1 5 1;
  1 1 1]/13 on interior nodes and x on the border, clipped to [0, 1]. Other samples pass unchanged.

'detector' on raw intensities (B, S, S) float64 before the transform; U = 15 uniforms per sample, in the order and
with the meaning of detector_augment.DetectorAugment.draw (rotation, k-scale, ellipticity, its axis, centre offset x
and y, blur flag, blur σ, dose, background flag, background fraction, beam radius, beam height, saturation flag,
saturation level), then Poisson sampling. The steps are those of detector_augment (geometry, blur, dose, background,
beam disc, saturation, Poisson) with the same formulas; the blur uses one grouped convolution with every sample's own
Gaussian kernel, zero beyond its own radius max(1, ceil(3σ)) and normalised, so it equals the per-sample blur.
With ``stride`` 2 the pattern is subsampled to every other node just before the Poisson step (Poisson sampling is
independent per node, so this equals sampling the whole grid and then subsampling, at a quarter of the cost).
"""
import math

import torch
import torch.nn.functional as F

from .augment import PaperAugmentParams
from .detector_augment import DRAWS, DetectorAugment

PAPER_DRAWS = 4


class BatchPaperAugment(PaperAugmentParams):
    """The 'paper' pipeline on batches (see the module docstring); parameters default to the paper's values."""

    #: ssro_torch.data.BatchStream hands this augmentation the model inputs (the transform runs before it).
    stage = 'input'

    def draw(self, batch, generator):
        """The per-sample decisions: {'apply', 'angleDeg', 'autocontrast', 'sharpness'}, each (B,)."""
        u = torch.rand(batch, PAPER_DRAWS, generator=generator, dtype=torch.float64)
        return {'apply': u[:, 0] < self.p, 'angleDeg': (2.0 * u[:, 1] - 1.0) * self.max_rotation_deg,
                'autocontrast': u[:, 2] < self.autocontrast_p, 'sharpness': u[:, 3] < self.sharpness_p}

    def __call__(self, x, generator):
        """(B, 1, S, S) float32 model inputs → augmented copies."""
        p = self.draw(x.shape[0], generator)
        noise = torch.randn(x.shape, generator=generator, dtype=x.dtype)
        return self.apply(x, p, noise)

    @staticmethod
    def rotate(x, angle_deg):
        """Rotation of (B, C, S, S) by per-sample angles (degrees) about the centre node; bilinear, zeros outside."""
        theta = torch.deg2rad(angle_deg.to(torch.float64))
        c, s = torch.cos(theta), torch.sin(theta)
        zero = torch.zeros_like(c)
        affine = torch.stack([torch.stack([c, -s, zero], 1), torch.stack([s, c, zero], 1)], 1).to(x.dtype)
        grid = F.affine_grid(affine, list(x.shape), align_corners=True)
        return F.grid_sample(x, grid, mode='bilinear', padding_mode='zeros', align_corners=True)

    @staticmethod
    def autocontrast(x):
        """torchvision autocontrast of float images in [0, 1], per sample and channel."""
        lo = x.amin(dim=(-2, -1), keepdim=True)
        hi = x.amax(dim=(-2, -1), keepdim=True)
        scale = 1.0 / (hi - lo)
        flat = ~torch.isfinite(scale)
        lo = torch.where(flat, torch.zeros_like(lo), lo)
        scale = torch.where(flat, torch.ones_like(scale), scale)
        return ((x - lo) * scale).clamp(0.0, 1.0)

    @staticmethod
    def sharpen(x, factor):
        """torchvision adjust_sharpness of float images in [0, 1] by `factor` (its 3 × 3 kernel written as the
        3 × 3 box sum plus 4 × the centre, over 13, which separable shifted sums evaluate cheaply)."""
        if x.shape[-1] <= 2 or x.shape[-2] <= 2:
            return x
        rows = x[..., :-2, :] + x[..., 1:-1, :] + x[..., 2:, :]
        box = rows[..., :-2] + rows[..., 1:-1] + rows[..., 2:]
        smooth = x.clone()
        smooth[..., 1:-1, 1:-1] = (box + 4.0 * x[..., 1:-1, 1:-1]) / 13.0
        return (factor * x + (1.0 - factor) * smooth).clamp(0.0, 1.0)

    def apply(self, x, p, noise):
        """The pipeline with the decisions `p` of draw() and a standard-normal `noise` of x's shape; only the samples
        a step applies to are computed."""
        out = x.clone()
        chosen = torch.nonzero(p['apply']).flatten()
        if chosen.numel() == 0:
            return out
        y = self.rotate(x[chosen], p['angleDeg'][chosen])
        for key, step in (('autocontrast', self.autocontrast), ('noise', None), ('sharpness', None)):
            if key == 'noise':
                y = (y + self.noise_sigma * noise[chosen]).clamp(0.0, 1.0)
                continue
            sel = torch.nonzero(p[key][chosen]).flatten()
            if sel.numel():
                y[sel] = step(y[sel]) if step is not None else self.sharpen(y[sel], self.sharpness_factor)
        out[chosen] = y
        return out

    def describe(self):
        return {'kind': 'paper', 'p': self.p, 'rotationDeg': [-self.max_rotation_deg, self.max_rotation_deg],
                'interpolation': 'bilinear', 'fill': 0, 'autocontrastP': self.autocontrast_p,
                'noiseSigma': self.noise_sigma, 'sharpnessFactor': self.sharpness_factor,
                'sharpnessP': self.sharpness_p, 'batched': True, 'uniformsPerSample': PAPER_DRAWS}


class BatchDetectorAugment(DetectorAugment):
    """The 'detector' pipeline on batches of raw (B, S, S) patterns of one k-grid (see the module docstring)."""

    stage = 'raw'

    def draw_batch(self, batch, generator):
        """Per-sample parameters as (B,) float64/bool tensors, the same mapping as DetectorAugment.draw."""
        o = self.options
        u = torch.rand(batch, DRAWS, generator=generator, dtype=torch.float64)

        def log_uniform(col, lo, hi):
            return torch.exp(math.log(lo) + u[:, col] * (math.log(hi) - math.log(lo)))

        def uniform(col, lo, hi):
            return lo + u[:, col] * (hi - lo)

        return {
            'angleDeg': (2 * u[:, 0] - 1) * o['rotationDeg'],
            'scale': 1 + (2 * u[:, 1] - 1) * o['scaleJitter'],
            'ellipticity': u[:, 2] * o['ellipticity'],
            'axisRad': u[:, 3] * math.pi,
            'offsetX': (2 * u[:, 4] - 1) * o['centreOffsetPx'],
            'offsetY': (2 * u[:, 5] - 1) * o['centreOffsetPx'],
            'blur': u[:, 6] < o['blurP'],
            'blurSigmaPx': u[:, 7] * o['blurSigmaPx'],
            'dose': log_uniform(8, *o['doseRange']),
            'background': u[:, 9] < o['backgroundP'],
            'backgroundFraction': u[:, 10] * o['backgroundFraction'],
            'beamRadiusInvA': uniform(11, *o['beamRadiusInvA']),
            'beamHeightRatio': log_uniform(12, *o['beamHeight']),
            'saturation': u[:, 13] < o['saturationP'],
            'saturationRatio': uniform(14, *o['saturationLevel']),
        }

    def __call__(self, raw, generator, stride=1):
        """Raw (B, S, S) patterns → augmented raw counts, (B, S', S') float64 (S' = S, or (S + 1)/2 for stride 2)."""
        return self.apply_batch(raw, self.draw_batch(raw.shape[0], generator), generator, stride)

    def geometry_batch(self, x, p):
        """Step a on (B, S, S) float64: one affine grid for the batch (the per-sample matrices of geometry())."""
        theta = torch.deg2rad(p['angleDeg'])
        c, s = torch.cos(theta), torch.sin(theta)
        rotation = torch.stack([torch.stack([c, -s], -1), torch.stack([s, c], -1)], -2)  # (B, 2, 2)
        a = torch.stack([torch.cos(p['axisRad']), torch.sin(p['axisRad'])], -1)  # (B, 2)
        eye = torch.eye(2, dtype=torch.float64).expand(x.shape[0], 2, 2)
        stretch = eye + p['ellipticity'].view(-1, 1, 1) * (a[:, :, None] * a[:, None, :])
        forward = p['scale'].view(-1, 1, 1) * (rotation @ stretch)
        inverse = torch.linalg.inv(forward)
        offset = torch.stack([p['offsetX'], p['offsetY']], -1) / max(self.n, 1)
        affine = torch.cat([inverse, -(inverse @ offset[:, :, None])], dim=2)
        grid = F.affine_grid(affine, [x.shape[0], 1, self.side, self.side], align_corners=True)
        return F.grid_sample(x[:, None], grid, mode='bilinear', padding_mode='zeros', align_corners=True)[:, 0]

    @staticmethod
    def blur_batch(x, sigma, on):
        """Step b on (B, S, S): sample k blurred by a Gaussian of σ_k px (truncated at its own radius) where on_k."""
        active = on & (sigma >= 1e-3)
        if not bool(active.any()):
            return x
        safe = torch.where(active, sigma, torch.ones_like(sigma))
        own = torch.clamp(torch.ceil(3 * safe), min=1)
        radius = int(own[active].max())
        t = torch.arange(-radius, radius + 1, dtype=torch.float64)
        k = torch.exp(-t[None, :] ** 2 / (2 * safe[:, None] ** 2))
        k = torch.where(t[None, :].abs() <= own[:, None], k, torch.zeros_like(k))
        delta = (t == 0).to(torch.float64).expand_as(k)
        k = torch.where(active[:, None], k / k.sum(dim=1, keepdim=True), delta)
        b = x.shape[0]
        y = F.conv2d(x[None], k.view(b, 1, 1, -1), padding=(0, radius), groups=b)
        y = F.conv2d(y, k.view(b, 1, -1, 1), padding=(radius, 0), groups=b)
        return y[0]

    def apply_batch(self, raw, p, generator, stride=1):
        """The pipeline with the parameters `p` of draw_batch(); `generator` feeds the Poisson sampling."""
        o = self.options
        x = torch.as_tensor(raw, dtype=torch.float64).clone().clamp_(min=0.0)
        if x.dim() != 3 or x.shape[1:] != (self.side, self.side):
            raise ValueError(f'detector augmentation expects (batch, {self.side}, {self.side}) patterns '
                             f'(got {tuple(x.shape)})')
        col = (slice(None), None, None)
        if o['geometry']:
            x = self.geometry_batch(x, p)
        if o['blur']:
            x = self.blur_batch(x, p['blurSigmaPx'], p['blur'])
        mask = self.dose_mask.to(torch.float64)
        level = (x * mask).sum(dim=(1, 2)) / mask.sum()
        if o['dose']:
            factor = torch.where(level > 0, p['dose'] / torch.where(level > 0, level, torch.ones_like(level)),
                                 torch.zeros_like(level))
            x = x * factor[col]
            level = p['dose'].clone()
        if o['background']:
            x = x + torch.where(p['background'], p['backgroundFraction'] * level, torch.zeros_like(level))[col]
        height = p['beamHeightRatio'] * level
        if o['beam']:
            zero = torch.zeros_like(level)
            dx = p['offsetX'] if o['geometry'] else zero
            dy = p['offsetY'] if o['geometry'] else zero
            r2 = (self.dk ** 2) * ((self.cols[None] - dx[col]) ** 2 + (self.rows[None] - dy[col]) ** 2)
            x = x + torch.where(r2 <= (p['beamRadiusInvA'] ** 2)[col], height[col], torch.zeros_like(r2))
        if o['saturation']:
            cap = torch.where(p['saturation'], p['saturationRatio'] * height, torch.full_like(height, math.inf))
            x = torch.minimum(x, cap[col])
        if stride != 1:
            x = x[:, ::stride, ::stride].contiguous()
        if o['poisson']:
            x = torch.poisson(x, generator=generator)
        return x

    def describe(self):
        out = super().describe()
        out.update(batched=True, blurKernel='Gaussian, zero beyond max(1, ceil(3σ)) px, normalised')
        return out
