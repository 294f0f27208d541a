"""PyTorch modules of the exports (:func:`dlgpu.export.to_torch`); imports torch.

Only :mod:`dlgpu.export` imports this module, inside ``to_torch``: ``import
dlgpu`` never loads torch.  The module is importable by name so that a
pickled ``nn.Sequential`` holding a :class:`Standardize` (``torch.save``)
loads where dlgpu is installed; ``dlgpu export --format torch`` writes a
``torch.export`` file instead, which needs no dlgpu at all.
"""

from __future__ import annotations

import torch
from torch import nn


class Standardize(nn.Module):
    """A model's saved preprocessing on rows: ``(x - shift) / scale``, x : (batch, n_x).

    ``shift`` and ``scale`` : (n_x,) are buffers (saved in the state dict,
    never trained), in the dtype of the exported model.
    """

    def __init__(self, shift: torch.Tensor, scale: torch.Tensor):
        super().__init__()
        self.register_buffer("shift", shift)
        self.register_buffer("scale", scale)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.shift) / self.scale

    def extra_repr(self) -> str:
        return f"n_x={self.shift.shape[0]}"
