"""Training-time augmentation of papers/000 §2.3 on (1, S, S) float tensors in [0, 1]: with probability 0.8 apply,
in order, a rotation uniform in (−180°, 180°) (bilinear, fill 0), autocontrast (p 0.5), Gaussian noise σ 0.1
clipped to [0, 1], and sharpness adjustment by factor 0.5 (p 0.5). Otherwise the pattern passes unchanged.

Every random number comes from the generator the caller passes (one per sample, seeded by seed/epoch/index in
ssro_torch.data), never from torch's global RNG, so runs are reproducible and resumable with any worker count.

Training runs the same distributions on whole batches (ssro_torch.batch_augment.BatchPaperAugment); this per-sample
version stays as the reference it is tested against.
"""
import torch
import torchvision.transforms.functional as TF
from torchvision.transforms import InterpolationMode


class PaperAugmentParams:
    """The paper pipeline's parameters (defaults: the paper's values), shared by the per-sample reference below and
    the batch version that training runs (ssro_torch.batch_augment.BatchPaperAugment)."""

    def __init__(self, p=0.8, max_rotation_deg=180.0, autocontrast_p=0.5, noise_sigma=0.1,
                 sharpness_factor=0.5, sharpness_p=0.5):
        self.p = p
        self.max_rotation_deg = max_rotation_deg
        self.autocontrast_p = autocontrast_p
        self.noise_sigma = noise_sigma
        self.sharpness_factor = sharpness_factor
        self.sharpness_p = sharpness_p


class PatternAugment(PaperAugmentParams):
    """The augmentation pipeline; parameters default to the paper's values."""

    def __call__(self, image, generator):
        # Draw the decisions in a fixed order (the noise last) so the stream per sample is always the same length.
        u = torch.rand(4, generator=generator, dtype=torch.float64).tolist()
        if u[0] >= self.p:
            return image
        angle = (2.0 * u[1] - 1.0) * self.max_rotation_deg
        out = TF.rotate(image, angle, interpolation=InterpolationMode.BILINEAR, fill=[0.0])
        if u[2] < self.autocontrast_p:
            out = TF.autocontrast(out)
        noise = torch.randn(out.shape, generator=generator, dtype=out.dtype)
        out = (out + self.noise_sigma * noise).clamp_(0.0, 1.0)
        if u[3] < self.sharpness_p:
            out = TF.adjust_sharpness(out, self.sharpness_factor)
        return out

    def describe(self):
        return {'p': self.p, 'rotationDeg': [-self.max_rotation_deg, self.max_rotation_deg], 'interpolation': 'bilinear',
                'fill': 0, 'autocontrastP': self.autocontrast_p, 'noiseSigma': self.noise_sigma,
                'sharpnessFactor': self.sharpness_factor, 'sharpnessP': self.sharpness_p}
