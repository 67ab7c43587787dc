"""'invariant-mlp': a model that is rotation invariant by construction. It computes ring features of the model input y
inside the network (so the ONNX graph carries them) and feeds them to a small MLP.

Geometry (as ssro_torch.transforms): node (i, j) of the S × S grid (S = 2n + 1) sits at column i + n, row j + n,
K = (iΔk, jΔk), θ = atan2(j, i). The annulus kb ≤ |K| < kmax (compared squared, as annulus-log decides membership;
kb = the beam mask, 0.1 Å⁻¹ by default) carries R = ceil((kmax − kb)/w) rings of spacing w = 2Δk centred at
c_b = kb + (b + ½)w (R = 30 at 133 × 133, 15 at 67 × 67). Membership is tent shaped: a node between c_b and c_{b+1}
counts in ring b with weight 1 − t and in ring b + 1 with weight t = (|K| − c_b)/w. With hard bins the nodes of a
ring sit at irregular angles and radii on the square lattice, so rotating a smooth pattern by an arbitrary angle
changed its a_n by up to 3 % of the strongest a_n and a 6-fold pattern showed a 3 % a_2 (aliasing); the tent weights
smooth the ring's angular sampling and brought both to 0.2 % (133 × 133; 0.4 % at 67 × 67).

Features per ring b with weights w_p (N_b = Σ w_p; 10 per ring):
  m_b   = (1/N_b) Σ w_p y_p                                  the radial profile;
  σ_b   = sqrt((1/N_b) Σ w_p (y_p − m(|K_p|))²)              the ring's angular variance over all orders n
                                                             (Parseval), so spot patterns whose angular power lies
                                                             beyond n = 12 still register;
  a_n,b = |(1/N_b) Σ w_p (y_p − m(|K_p|)) e^{inθ_p}|, n = 2, 4, …, 12   the even angular power spectrum, as amplitudes;
  s_b   = μ3_b / (μ2_b + ε),  q_b = sqrt(μ4_b / (μ2_b + ε))    with μj_b = (1/N_b) Σ w_p (y_p − m(|K_p|))^j: the ring's
                                                             third and fourth central moments, in the units of y
                                                             (s_b = skewness · σ_b, q_b = σ_b · √kurtosis): how the
                                                             ring's intensity is distributed, which σ_b and a_n do not
                                                             say. A probe that is part crystal puts a few strong Bragg
                                                             spots on a ring (s_b > 0, q_b well above σ_b), a glass
                                                             spreads speckle of both signs about the profile, and the
                                                             spots grow with the crystal's share of the probe. Ratios,
                                                             not roots: a cube root of a third moment near 0 turns
                                                             float32 rounding into features that differ between
                                                             symmetric copies of one pattern;
m(|K|) is the profile m_b interpolated linearly in |K| between ring centres (the same tent weights). a_n,b is
sqrt(C_n(k)) of the spectrum C_n = |Σ y e^{inθ}|²/N_b² with the isotropic part taken out first: on a square lattice
the nodes of a ring are not evenly spread in θ, so Σ e^{inθ} over a ring is not 0 (for n ≡ 0 mod 4 it is of the
order of the ring's size), and an isotropic pattern would leak its profile into C_4, C_8, C_12; after centring
that leak is what the profile's curvature leaves (≤ 3e-4 for a smooth ring of height 0.5 at 133 × 133). A pure
modulation y = m + A cos(n(θ − φ)) gives a_n = A/2. The square root turns the power into an amplitude in the units
of y (log1p would do as well; the amplitude keeps a modulation's size proportional to the feature).
Odd orders are left out: a kinematic diffraction pattern is centrosymmetric (Friedel's law, I(K) = I(−K)), and
y(K) = y(−K) makes every odd coefficient vanish, so odd n would carry only noise.

Every feature is invariant under the 8 symmetries of the square grid exactly (a rotation by 90° multiplies e^{inθ}
by iⁿ, a mirror conjugates it; both keep |·|; the weights depend on |K| only) and under any other rotation up to
the lattice sampling above. The features are standardised by a BatchNorm (per feature over the batch: it keeps each
feature's absolute level, which a LayerNorm across the features of one pattern would remove) and go through an MLP
(two hidden layers of 256, GELU) to one output.

Ring sums are matrix products with a constant membership matrix (S² × R float32: 2.1 MB at 133 × 133); the centred
values are multiplied by cos nθ and sin nθ per node (2·6 × S² float32 constants, 0.85 MB). No FFT, so the graph
exports to ONNX opset 13. The constants are buffers left out of the state_dict (they follow from the geometry); the
geometry itself is a small buffer in the state_dict, so weights trained on one k-grid are refused by a model built
for another.
"""
import math

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

from .events import UserError
from .transforms import ANNULUS_LOG_DEFAULTS, annulus_mask, squared_radius_grid

ORDERS = (2, 4, 6, 8, 10, 12)
HIDDEN = (256, 256)
#: Ring width in pixels (w = RING_WIDTH_PIXELS · Δk).
RING_WIDTH_PIXELS = 2
#: Added under the square roots so their gradient stays finite at 0 (amplitudes of interest are ≥ 1e-4).
EPS = 1e-12
#: The paper's k-grids: kmax = 1 Å⁻¹ with Δk = 0.015 Å⁻¹ (133 × 133) and with 0.03 Å⁻¹ (67 × 67).
STANDARD_GRIDS = {133: (1.0, 0.015), 67: (1.0, 0.03)}
#: m, σ, the a_n, s, q (see the module docstring).
FEATURES_PER_RING = 2 + len(ORDERS) + 2
#: Added to μ2 under the moment ratios, so an empty ring gives 0 (variances of interest are ≥ 1e-8).
EPS_MOMENT = 1e-12
#: geometry buffer: side, kmaxInvA, deltaKInvA, beamMaskInvA (inner edge of the first ring), ring width (Å⁻¹).
GEOMETRY_FIELDS = ('side', 'kmaxInvA', 'deltaKInvA', 'beamMaskInvA', 'ringWidthInvA')


def default_grid(side):
    """(kmaxInvA, deltaKInvA) assumed when only the side is known: the paper's grids for 133 and 67; otherwise kmax =
    1 Å⁻¹ and Δk = 1/n, the grid patternSide maps to S = 2n + 1 with its last node on the axis at kmax."""
    if side in STANDARD_GRIDS:
        return STANDARD_GRIDS[side]
    n = (side - 1) // 2
    return 1.0, 1.0 / n


def ring_weights(side, kmax_inv_a, delta_k_inv_a, beam_mask_inv_a, width_inv_a):
    """Tent-shaped ring membership of every node: (lower ring, upper ring, weight of the upper ring) as (S²,) arrays
    and the ring count R. Ring b is centred at c_b = kb + (b + ½)w; a node at c_b ≤ |K| < c_{b+1} belongs to ring b
    with weight 1 − t and to ring b + 1 with weight t = (|K| − c_b)/w (linear interpolation in |K|); nodes below c_0
    or above c_{R−1} belong to the end ring with weight 1. Nodes outside the annulus point at ring R (none) with
    weight 0 for both."""
    region = annulus_mask(side, kmax_inv_a, delta_k_inv_a, beam_mask_inv_a).reshape(-1)
    k = delta_k_inv_a * np.sqrt(squared_radius_grid(side).astype(np.float64)).reshape(-1)
    rings = max(1, math.ceil((kmax_inv_a - beam_mask_inv_a) / width_inv_a - 1e-9))
    u = (k - beam_mask_inv_a) / width_inv_a - 0.5
    below = np.floor(u)
    t = u - below
    t = np.where(below < 0, 1.0, np.where(below >= rings - 1, 0.0, t))
    lower = np.clip(below, 0, rings - 1).astype(np.int64)
    upper = np.clip(below + 1, 0, rings - 1).astype(np.int64)
    lower = np.where(region, lower, rings)
    upper = np.where(region, upper, rings)
    t = np.where(region, t, 0.0)
    return lower, upper, t, rings


def angular_basis(side, orders=ORDERS):
    """cos nθ and sin nθ per node, (2·len(orders), S, S) float64 (cosines first; 0 at the centre node).

    Built as powers of z = e^{2iθ} = (i + ij)²/ρ from the integer offsets, so the values at nodes related by a symmetry
    of the square are exact negatives or conjugates of each other (IEEE multiplication is sign symmetric): the
    features are then exactly invariant under those symmetries, not just to rounding."""
    n = (side - 1) // 2
    offsets = np.arange(-n, n + 1, dtype=np.float64)
    x = offsets[None, :]  # column offset i
    y = offsets[:, None]  # row offset j
    rho = x * x + y * y
    safe = np.where(rho > 0, rho, 1.0)
    z = np.where(rho > 0, ((x * x - y * y) + 2j * (x * y)) / safe, 0)
    powers = {}
    current = np.ones_like(z)
    for m in range(1, max(orders) // 2 + 1):
        current = current * z
        powers[2 * m] = current
    cos = [powers[o].real for o in orders]
    sin = [powers[o].imag for o in orders]
    return np.stack(cos + sin)


class _BatchNorm1d(nn.BatchNorm1d):
    """BatchNorm1d that normalises a training batch of one pattern with the running statistics: the trainer keeps a
    last short batch (drop_last is off) and batch statistics of one sample are undefined."""

    def forward(self, x):
        if self.training and x.shape[0] == 1:
            return F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias, False, 0.0, self.eps)
        return super().forward(x)


class RingFeatures(nn.Module):
    """Model input (B, 1, S, S) → ring features (B, R·10): [m (R), σ (R), a_n (R per order, orders ascending), s (R),
    q (R)]."""

    def __init__(self, side, kmax_inv_a, delta_k_inv_a, beam_mask_inv_a, orders=ORDERS):
        super().__init__()
        width = RING_WIDTH_PIXELS * delta_k_inv_a
        lower, upper, t, rings = ring_weights(side, kmax_inv_a, delta_k_inv_a, beam_mask_inv_a, width)
        if not (lower < rings).any():
            raise UserError(f'invariant-mlp: no node of the {side}×{side} grid (Δk {delta_k_inv_a} Å⁻¹) lies in '
                            f'{beam_mask_inv_a} ≤ |K| < {kmax_inv_a} Å⁻¹; the beam mask must be below kmax')
        nodes = lower.size
        # One extra column for "no ring" collects the nodes outside the annulus; it is dropped below.
        membership = np.zeros((nodes, rings + 1), dtype=np.float64)
        np.add.at(membership, (np.arange(nodes), lower), 1.0 - t)
        np.add.at(membership, (np.arange(nodes), upper), t)
        membership = membership[:, :rings]
        counts = membership.sum(axis=0)
        self.side = side
        self.rings = rings
        self.orders = tuple(orders)
        self.features = rings * (4 + len(self.orders))
        self.register_buffer('membership', torch.from_numpy(membership.astype(np.float32)), persistent=False)
        self.register_buffer('inverse_count', torch.from_numpy(np.where(counts > 0, 1.0 / np.maximum(counts, 1e-12), 0)
                                                                .astype(np.float32)), persistent=False)
        # The radial profile interpolated back to every node (index R is a zero "no ring" entry for the nodes outside
        # the annulus), used to centre y: gathers, not a product with the transposed membership, which the ONNX
        # export would store as a second S² × R constant.
        self.register_buffer('lower', torch.from_numpy(lower), persistent=False)
        self.register_buffer('upper', torch.from_numpy(upper), persistent=False)
        self.register_buffer('upper_weight', torch.from_numpy(t.astype(np.float32)), persistent=False)
        basis = angular_basis(side, self.orders).reshape(2 * len(self.orders), nodes).astype(np.float32)
        self.register_buffer('basis', torch.from_numpy(basis), persistent=False)
        self.register_buffer('geometry', torch.tensor(
            [side, kmax_inv_a, delta_k_inv_a, beam_mask_inv_a, width], dtype=torch.float32))

    def forward(self, x):
        # (Skipped while tracing for the ONNX export, whose input has the right shape by construction.)
        if not torch.jit.is_tracing() and tuple(x.shape[1:]) != (1, self.side, self.side):
            raise ValueError(f'invariant-mlp was built for inputs (batch, 1, {self.side}, {self.side}); got '
                             f'{tuple(x.shape)}')
        y = torch.flatten(x, 1)  # (B, S²)
        mean = torch.matmul(y, self.membership) * self.inverse_count  # (B, R)
        padded = torch.cat([mean, torch.zeros_like(mean[:, :1])], dim=1)
        profile = (torch.index_select(padded, 1, self.lower) * (1 - self.upper_weight)
                   + torch.index_select(padded, 1, self.upper) * self.upper_weight)
        centred = y - profile
        squared = centred * centred
        variance = torch.matmul(squared, self.membership) * self.inverse_count
        third = torch.matmul(squared * centred, self.membership) * self.inverse_count
        fourth = torch.matmul(squared * squared, self.membership) * self.inverse_count
        products = centred.unsqueeze(1) * self.basis  # (B, 2M, S²)
        sums = torch.matmul(products, self.membership) * self.inverse_count  # (B, 2M, R)
        m = len(self.orders)
        power = sums[:, :m] ** 2 + sums[:, m:] ** 2  # (B, M, R)
        spread = variance + EPS_MOMENT
        return torch.cat([mean, torch.sqrt(variance + EPS), torch.flatten(torch.sqrt(power + EPS), 1), third / spread,
                          torch.sqrt(fourth / spread + EPS)], dim=1)

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                              error_msgs):
        given = state_dict.get(prefix + 'geometry')
        if given is not None and given.shape == self.geometry.shape:
            if not torch.allclose(given.to(self.geometry), self.geometry, rtol=1e-6, atol=0):
                def describe(g):
                    return ', '.join(f'{name} {value:g}' for name, value in zip(GEOMETRY_FIELDS, g.tolist()))
                raise UserError(f'these invariant-mlp weights were trained on the grid {describe(given)}; the model '
                                f'was built for {describe(self.geometry)}: build it with the training grid')
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                                      error_msgs)


class InvariantMLP(nn.Module):
    """Ring features (RingFeatures) → BatchNorm → MLP → (B, 1). See the module docstring.

    side: the input side S; kmax_inv_a, delta_k_inv_a: the k-grid (None: default_grid(side)); beam_mask_inv_a: the
    inner edge of the first ring (the annulus-log beam mask, 0.1 Å⁻¹ by default)."""

    def __init__(self, side=133, kmax_inv_a=None, delta_k_inv_a=None, beam_mask_inv_a=None, hidden=HIDDEN,
                 dropout=0.0):
        super().__init__()
        side = int(side)
        if side < 3 or side % 2 != 1:
            raise UserError(f'invariant-mlp needs an odd pattern side ≥ 3 (got {side})')
        if (kmax_inv_a is None) != (delta_k_inv_a is None):
            raise UserError('invariant-mlp needs both kmaxInvA and deltaKInvA of the k-grid, or neither (then the '
                            'grid follows from the side)')
        if kmax_inv_a is None:
            kmax_inv_a, delta_k_inv_a = default_grid(side)
        kmax_inv_a, delta_k_inv_a = float(kmax_inv_a), float(delta_k_inv_a)
        beam = float(ANNULUS_LOG_DEFAULTS['beamMaskInvA'] if beam_mask_inv_a is None else beam_mask_inv_a)
        for name, value in (('kmaxInvA', kmax_inv_a), ('deltaKInvA', delta_k_inv_a)):
            if not (math.isfinite(value) and value > 0):
                raise UserError(f'invariant-mlp: {name} must be a number > 0 (got {value})')
        if not (math.isfinite(beam) and 0 <= beam < kmax_inv_a):
            raise UserError(f'invariant-mlp: beamMaskInvA must be ≥ 0 and below kmaxInvA {kmax_inv_a} (got {beam})')
        self.ring_features = RingFeatures(side, kmax_inv_a, delta_k_inv_a, beam)
        width = self.ring_features.features
        layers = [_BatchNorm1d(width)]
        for h in hidden:
            layers += [nn.Linear(width, h), nn.GELU()]
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            width = h
        layers.append(nn.Linear(width, 1))
        self.head = nn.Sequential(*layers)

    def forward(self, x):
        return self.head(self.ring_features(x))
