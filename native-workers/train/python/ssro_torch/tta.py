"""Test-time augmentation over the symmetry group of the square (D4): the model's prediction averaged over the
identity, the rotations by 90°, 180° and 270° and the four mirrors (rows, columns, the two diagonals) of the input.

A diffraction pattern of an isotropic amorphous sample has no preferred direction, so the eight images are equally
valid views of the same frame; averaging them removes the model's residual orientation dependence (the paper
pipeline's rotation augmentation only teaches it approximately). D4Average wraps any model with input (B, 1, S, S)
and output (B, K) into one with the same signature; its ONNX graph is the model's applied once to the eight views
concatenated along the batch axis (Transpose and Gather with a constant reversed index make the views; Reshape
(8, B, K) and ReduceMean average them), so the app runs it like any other model. For an ensemble (K members) each
member's output is averaged over the eight views, then the ensemble statistics are taken across members as before.
"""
import torch
from torch import nn

TTA_MODES = ('none', 'd4')


class D4Average(nn.Module):
    """model(x) averaged over the eight D4 images of x (see the module docstring)."""

    def __init__(self, model, side):
        super().__init__()
        self.model = model
        # A constant index (not traced from the input's shape), so the ONNX graph holds a plain Gather.
        self.register_buffer('reverse', torch.arange(side - 1, -1, -1, dtype=torch.int64), persistent=False)

    def forward(self, x):
        views = []
        for t in (x, x.transpose(2, 3)):
            rows = t.index_select(2, self.reverse)
            views += [t, t.index_select(3, self.reverse), rows, rows.index_select(3, self.reverse)]
        y = self.model(torch.cat(views, 0))
        return y.reshape(8, -1, y.shape[-1]).mean(0)


def with_tta(model, mode, side):
    """`model` wrapped for the run's test-time augmentation ('none' → the model itself)."""
    return D4Average(model, side) if mode == 'd4' else model
