"""Spectral normalisation of the networks' layers (Miyato et al. 2018)."""

from __future__ import annotations

from torch import nn
from torch.nn.utils import parametrize, prune
from torch.nn.utils.parametrizations import _SpectralNorm, spectral_norm
from torch.nn.utils.spectral_norm import SpectralNorm as _HookSpectralNorm

from gan_lab.regularizers.base import Regularizer
from gan_lab.regularizers.common import keep_deep_copyable, unprune, weight_layers


def is_spectrally_normalized(layer: nn.Module) -> bool:
    """Whether `layer.weight` already goes through spectral normalisation (the parametrization, as in
    models/resnet.py, or the older hook of torch.nn.utils.spectral_norm)."""
    if parametrize.is_parametrized(layer, "weight"):
        if any(isinstance(p, _SpectralNorm) for p in layer.parametrizations["weight"]):
            return True
    return any(isinstance(hook, _HookSpectralNorm) for hook in layer._forward_pre_hooks.values())


class SpectralNormalization(Regularizer):
    """`spectral_norm`: W ← W / σ(W), σ(W) the largest singular value estimated by power iteration,
    on every Linear, Conv and ConvTranspose layer of D (Miyato et al. 2018, "Spectral Normalization
    for Generative Adversarial Networks", Eq. 8), which bounds D's Lipschitz constant by that of its
    activations. `generator: true` normalises G's layers too (as SAGAN does, Zhang et al. 2019).

    Applied once in `wrap`, through torch.nn.utils.parametrizations.spectral_norm with
    `n_power_iterations` power iterations per training forward pass (1, as in the paper: u is kept
    between steps). Layers already normalised (model=resnet's D) are left as they are. Layers pruned
    by an earlier `pruning` regularizer are normalised after their mask, so that the pruned weight
    itself has σ = 1 whatever the order in `regularizer=[...]`. Logs nothing.
    """

    name = "spectral_norm"

    def __init__(self, generator: bool = False, n_power_iterations: int = 1):
        if not isinstance(generator, bool):
            raise ValueError(f"regularizer.spectral_norm.generator must be true or false, got {generator!r}")
        if isinstance(n_power_iterations, bool) or int(n_power_iterations) != n_power_iterations or n_power_iterations < 1:
            raise ValueError(f"regularizer.spectral_norm.n_power_iterations must be an integer >= 1, got {n_power_iterations}")
        self.generator, self.n_power_iterations = generator, int(n_power_iterations)

    def wrap(self, generator: nn.Module, discriminator: nn.Module) -> None:
        for network in [discriminator, generator] if self.generator else [discriminator]:
            for layer in weight_layers(network):
                if not is_spectrally_normalized(layer):
                    self.normalize(layer)

    def normalize(self, layer: nn.Module) -> None:
        mask = getattr(layer, "weight_mask", None)
        if mask is None:
            spectral_norm(layer, n_power_iterations=self.n_power_iterations)
            return
        # Pruned first (regularizer=[pruning,spectral_norm]): make the pruned weight plain again, normalise
        # it, then prune the parametrization's input with the same mask: σ(W ⊙ M) = 1, as in the other order.
        mask = mask.clone()
        unprune(layer, "weight")
        spectral_norm(layer, n_power_iterations=self.n_power_iterations)
        prune.custom_from_mask(layer.parametrizations["weight"], "original", mask)
        keep_deep_copyable(layer.parametrizations["weight"], "original")
