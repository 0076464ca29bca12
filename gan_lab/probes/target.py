"""A trained GANModule and its evaluator, as the probes see them."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from hydra.utils import instantiate
from torch import Tensor, nn

from gan_lab.metrics.evaluator import Evaluator
from gan_lab.probes.base import Probe, ProbeTarget


def probe_target(module, evaluator: Evaluator, probes: Sequence[Probe] = ()) -> ProbeTarget:
    """The module's sampling (EMA) generator and D, the evaluator's backbone as features (the identity
    on 2-D points), its metrics as the score and its held-out split as the real data; the run's data
    corruption (from the module's hyperparameters, so a checkpoint carries it) and its AmbientGAN
    measurement, for the probes that show D what it saw in training; and, when one of `probes` needs
    them (`uses_training_images`), the first real images of the training part D was trained on."""
    evaluator.setup()
    reads_training_images = any(probe.uses_training_images for probe in probes)
    device = module.device
    corruption = module.hparams.get("corruption")
    data_corruption = instantiate(corruption).to(device) if corruption else None
    backbone = evaluator.backbone
    if backbone is None:  # 2-D points

        def features(samples: Tensor) -> Tensor:
            return samples.flatten(1)

    else:

        def features(images: Tensor) -> Tensor:
            return backbone(images.to(evaluator.device, torch.float32)).double()

    return ProbeTarget(
        generator=module.sampling_generator,
        discriminator=module.discriminator,
        latent_dim=module.generator.latent_dim,
        heldout=evaluator.datamodule.heldout_data[: evaluator.num_samples].to(device),
        features=features,
        score=evaluator.evaluate,
        decision_threshold=getattr(module.loss, "decision_threshold", 0.0),
        sample_range=None if evaluator.is_mixture else (-1.0, 1.0),
        differentiable_features=backbone is None or backbone.differentiable,
        device=device,
        data_corruption=data_corruption if data_corruption is not None and data_corruption.level > 0 else None,
        measurement=None if isinstance(module.measure, nn.Identity) else module.measure,
        train=training_images(evaluator.datamodule, evaluator.num_samples) if reads_training_images else None,
    )


def training_images(datamodule, count: int) -> Tensor | None:
    """The first `count` samples of the training part D was trained on (`train_subset`: a tensor, or a
    dataset of images read on demand), on the CPU; None for data drawn afresh every batch."""
    subset = getattr(datamodule, "train_subset", None)
    if subset is None:
        return None
    if isinstance(subset, Tensor):
        return subset[:count].cpu()
    return torch.stack([subset[i] for i in range(min(count, len(subset)))])
