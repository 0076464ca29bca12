"""Magnitude pruning of the networks' weights at initialisation (torch.nn.utils.prune)."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn
from torch.nn.utils import parametrize, prune

from gan_lab.regularizers.base import Regularizer
from gan_lab.regularizers.common import (
    ROLES,
    SUFFIX,
    keep_deep_copyable,
    networks_for,
    parse_roles,
    pruning_masks,
    weight_layers,
)


def prunable_weight(layer: nn.Module) -> tuple[nn.Module, str]:
    """Where a layer's weight lives as a parameter: `weight`, or, under a parametrization such as
    spectral normalisation, the parametrization's `original` (so W = SN(W_orig ⊙ M))."""
    if parametrize.is_parametrized(layer, "weight"):
        return layer.parametrizations["weight"], "original"
    return layer, "weight"


class MagnitudePruning(Regularizer):
    """`pruning`: a fixed fraction `sparsity` (0.5) of the weights of G's and/or D's Linear, Conv and
    ConvTranspose layers (`on`) set to zero and kept there: global L1-unstructured pruning (Han et al.
    2015, "Learning both Weights and Connections for Efficient Neural Networks": drop the weights of
    smallest magnitude), through torch.nn.utils.prune.global_unstructured, as a control of model
    complexity. Biases and normalisation layers are not pruned.

    Applied in `wrap`, before the optimizers and the EMA copy of G exist: the masks are chosen from the
    weights AT INITIALISATION and stay fixed for the whole run (the pruned weights get no gradient). This
    is pruning at initialisation, not the usual train-prune-finetune cycle: it fixes a sparse connectivity
    before training, and magnitudes at initialisation say little about which weights matter (Frankle et
    al. 2021, "Pruning Neural Networks at Initialization: Why are We Missing the Mark?": shuffling such
    masks at random within each layer does not hurt). "Global" is per network: the
    round(sparsity · n) smallest of its n weights, so layers initialised at a smaller scale (e.g. the
    wide ones under PyTorch's default 1/√fan_in) lose more than others.

    The EMA copy of G inherits the masks (its masks are averaged with equal ones, which leaves them as
    they are); checkpoints carry `weight_orig` and `weight_mask`. A layer already under spectral
    normalisation (model=resnet's D, or `spectral_norm` listed earlier) has its unnormalised weight
    pruned, so that it is normalised after masking. Logs `pruning_sparsity_g` / `pruning_sparsity_d`,
    the fraction of zeros in the masks.
    """

    name = "pruning"

    def __init__(self, sparsity: float = 0.5, on: str | Sequence[str] = ROLES):
        if not 0.0 <= float(sparsity) < 1.0:
            raise ValueError(f"regularizer.pruning.sparsity must be in [0, 1), got {sparsity}")
        self.sparsity = float(sparsity)
        self.roles = parse_roles(on, "regularizer.pruning.on")
        self.networks: dict[str, nn.Module] = {}

    def wrap(self, generator: nn.Module, discriminator: nn.Module) -> None:
        self.networks = networks_for(self.roles, generator, discriminator)
        for role, network in self.networks.items():
            targets = [prunable_weight(layer) for layer in weight_layers(network)]
            if not targets:
                raise ValueError(f"regularizer.pruning.on lists the {role}, which has no Linear or Conv layer to prune")
            prune.global_unstructured(targets, pruning_method=prune.L1Unstructured, amount=self.sparsity)
            for module, name in targets:
                keep_deep_copyable(module, name)

    def scalars(self) -> dict[str, Tensor]:
        out = {}
        for role, network in self.networks.items():
            masks = pruning_masks(network)
            zeros = torch.stack([(mask == 0).sum() for mask in masks]).sum()
            out[f"pruning_sparsity_{SUFFIX[role]}"] = zeros / sum(mask.numel() for mask in masks)
        return out
