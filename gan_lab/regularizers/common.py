"""Helpers the regularizers share: range checks, the `on` knob, the layers with weights, input gradients."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn
from torch.nn.utils import prune

ROLES = ("generator", "discriminator")
SUFFIX = {"generator": "g", "discriminator": "d"}  # weight_decay_g, grad_clip_norm_d, ...
WEIGHT_LAYERS = (
    nn.Linear,
    nn.Conv1d,
    nn.Conv2d,
    nn.Conv3d,
    nn.ConvTranspose1d,
    nn.ConvTranspose2d,
    nn.ConvTranspose3d,
)


def check_non_negative(value: float, key: str) -> float:
    """`value` as a float, or a ValueError naming the config key (NaN fails too)."""
    if not float(value) >= 0.0:
        raise ValueError(f"{key} must be >= 0, got {value}")
    return float(value)


def parse_roles(on: str | Sequence[str], key: str) -> tuple[str, ...]:
    """The `on` knob: "generator", "discriminator" or a list of them, as a tuple without repeats."""
    names = [on] if isinstance(on, str) else [str(name) for name in on]
    if not names or any(name not in ROLES for name in names):
        raise ValueError(f"{key} must be generator, discriminator or a list of them, got {on!r}")
    return tuple(dict.fromkeys(names))


def networks_for(roles: Sequence[str], generator: nn.Module, discriminator: nn.Module) -> dict[str, nn.Module]:
    """{role: network} for the roles an `on` knob selected, in G, D order."""
    return {role: net for role, net in zip(ROLES, (generator, discriminator)) if role in roles}


def weight_layers(network: nn.Module) -> list[nn.Module]:
    """The Linear, Conv and ConvTranspose layers of `network` (the layers with a weight matrix)."""
    return [module for module in network.modules() if isinstance(module, WEIGHT_LAYERS)]


def pruning_masks(network: nn.Module) -> list[Tensor]:
    """The masks of every tensor of `network` that torch.nn.utils.prune reparametrised."""
    masks = []
    for module in network.modules():
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, prune.BasePruningMethod):
                masks.append(getattr(module, hook._tensor_name + "_mask"))
    return masks


def input_gradients(discriminator: nn.Module, points: Tensor) -> Tensor:
    """∇_x D(x) at `points` (detached from their own graph), one flattened row per sample, in at
    least float32. Taken with `create_graph=True`, so that a penalty on it back-propagates into D."""
    points = points.detach().requires_grad_(True)
    (grads,) = torch.autograd.grad(discriminator(points).sum(), points, create_graph=True)
    return grads.to(torch.promote_types(grads.dtype, torch.float32)).flatten(1)


class DetachAfterForward:
    """A forward hook for a module that torch.nn.utils.prune reparametrised: after each forward pass it
    detaches the masked tensor that the pruning hook left on the module (`weight = weight_orig * mask`,
    which carries a graph), so that the module can still be deep-copied (the EMA copy of G): copying a
    tensor that is not a leaf of the autograd graph raises. The forward pass itself used the attached
    tensor, so gradients are unchanged."""

    def __init__(self, name: str):
        self.name = name

    def __call__(self, module: nn.Module, args, output) -> None:
        setattr(module, self.name, getattr(module, self.name).detach())


def keep_deep_copyable(module: nn.Module, name: str) -> None:
    """Detach the pruned `module.<name>` now and after every forward pass (see DetachAfterForward)."""
    setattr(module, name, getattr(module, name).detach())
    module.register_forward_hook(DetachAfterForward(name))


def unprune(module: nn.Module, name: str) -> None:
    """Make a pruned tensor a plain parameter again (holding its masked values): torch.nn.utils.prune.remove,
    and the DetachAfterForward hook with it."""
    for key, hook in list(module._forward_hooks.items()):
        if isinstance(hook, DetachAfterForward) and hook.name == name:
            del module._forward_hooks[key]
    prune.remove(module, name)
