"""The Inception-v3 feature backbone of the standard FID (torch-fidelity's port, through torchmetrics),
loaded only from a local weights file: evaluation never touches the network."""

from __future__ import annotations

from pathlib import Path

import torch
from torch import Tensor

from gan_lab.compat import inception_pool_and_logits
from gan_lab.metrics.backbone import FeatureBackbone

WEIGHTS_FILE = "weights-inception-2015-12-05-6726825d.pth"
WEIGHTS_URL = f"https://github.com/toshas/torch-fidelity/releases/download/v0.2.0/{WEIGHTS_FILE}"


def resolve_inception_weights(path: str | None) -> Path:
    """`eval.inception_weights` if given, else torch hub's cache; a clear error when neither exists."""
    hub_file = Path(torch.hub.get_dir()) / "checkpoints" / WEIGHTS_FILE
    candidates = ([Path(path).expanduser()] if path else []) + [hub_file]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    named = f"eval.inception_weights={path!r} does not exist, and " if path else "eval.inception_weights is not set, and "
    raise FileNotFoundError(
        f"eval.backbone=inception needs the FID Inception-v3 weights: {named}the torch hub cache has no {hub_file}. "
        f"Fetch {WEIGHTS_URL} on a machine with a network and set eval.inception_weights=/path/to/{WEIGHTS_FILE} "
        "(or put it in the hub cache). gan_lab never downloads it."
    )


class InceptionBackbone(FeatureBackbone):
    """2048-d pool features of the FID Inception-v3 (Szegedy et al. 2016; the TF-compatible weights of
    Heusel et al.'s FID code). Images in [-1, 1] are mapped to uint8 [0, 255], grey images to RGB, and
    resized to 299×299 inside the network, as torchmetrics' FID does."""

    num_features = 2048
    differentiable = False  # 8-bit quantised input: no gradient, and steps below 1/255 vanish

    def __init__(self, weights: str | None = None):
        super().__init__()
        from torchmetrics.image.fid import NoTrainInceptionV3

        path = resolve_inception_weights(weights)
        self.network = NoTrainInceptionV3(
            name="inception-v3-compat", features_list=["2048", "logits_unbiased"], feature_extractor_weights_path=str(path)
        )

    def forward(self, images: Tensor) -> Tensor:
        return self.pool_and_logits(images)[0]

    def pool_and_logits(self, images: Tensor) -> tuple[Tensor, Tensor]:
        """The pool features and the 1008-way logits (what the Inception Score reads) of one pass."""
        uint8 = ((images.float() + 1) * 127.5).round().clamp(0, 255).to(torch.uint8)
        if uint8.shape[1] == 1:
            uint8 = uint8.expand(-1, 3, -1, -1)
        return inception_pool_and_logits(self.network, uint8)

    @torch.no_grad()
    def extract_with_logits(self, images: Tensor, batch_size: int = 500) -> tuple[Tensor, Tensor]:
        """Features (float64) and logits of many images, in batches, on the backbone's device."""
        pairs = [self.pool_and_logits(chunk.to(self.device)) for chunk in images.split(batch_size)]
        return torch.cat([pool for pool, _ in pairs]).double(), torch.cat([logits for _, logits in pairs]).double()


def write_untrained_inception_weights(path: str | Path, seed: int = 0) -> Path:
    """Save a randomly initialised FID Inception-v3 in the weights file's own format (the state dict
    torch-fidelity loads), for timing the backbone and testing its plumbing where the real weights
    are not at hand. Its features are meaningless: never score a model with it."""
    from torchmetrics.image.fid import NoTrainInceptionV3

    class _Untrained(NoTrainInceptionV3):
        def load_state_dict(self, state_dict, strict: bool = True, assign: bool = False):
            return None  # keep the random initialisation

    path = Path(path)
    empty = path.with_suffix(".empty.pth")
    torch.save({}, empty)
    try:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            network = _Untrained(name="inception-v3-compat", features_list=["2048"], feature_extractor_weights_path=str(empty))
    finally:
        empty.unlink()
    torch.save(network.state_dict(), path)
    return path
