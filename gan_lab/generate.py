"""`python -m gan_lab.generate ckpt=PATH n=1000 out=DIR`: samples from a saved generator.

Needs only the checkpoint (it carries the model config), never the dataset. With `out=DIR` images
are written as PNG files `DIR/000000.png`, …, and 2-D points as `DIR/samples.npy` of shape (n, 2);
with `out=FILE.npy` all samples go into that one array (images as float32 n×C×H×W in [0, 1], no
8-bit rounding), which `python -m gan_lab.evaluate samples=FILE.npy` scores.
"""

from __future__ import annotations

from pathlib import Path

import hydra
import numpy as np
import torch
from omegaconf import DictConfig
from torchvision.utils import save_image

from gan_lab.checkpoint_upgrade import upgrade_hyperparameters
from gan_lab.errors import exit_on_user_error
from gan_lab.heap import freeze_imported_objects
from gan_lab.module import GANModule
from gan_lab.resume import checkpoint_summary
from gan_lab.run import CONF_DIR
from gan_lab.sample_files import write_samples


def load_module(ckpt: str | Path, device: str = "cpu") -> GANModule:
    """A GANModule from one of our checkpoints, loaded without unpickling arbitrary objects."""
    path = Path(ckpt)
    if not path.is_file():
        raise FileNotFoundError(f"ckpt={str(path)!r}: no such checkpoint file")
    checkpoint_summary(path)  # a truncated or foreign file is refused by name, before it is read whole
    checkpoint = torch.load(path, map_location=device, weights_only=True)
    module = GANModule(**upgrade_hyperparameters(checkpoint["hyper_parameters"]))  # older checkpoints too
    module.on_load_checkpoint(checkpoint)  # as Lightning's load_from_checkpoint: step, regularizer state
    module.load_state_dict(checkpoint["state_dict"])
    return module.to(device).eval()


def generate(ckpt: str | Path, n: int, out: str | Path, batch_size: int = 256, seed: int = 0, device: str = "cpu") -> Path:
    """Write `n` samples of the checkpoint's sampling (EMA) generator under `out` (a folder, or a `.npy` file)."""
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    module = load_module(ckpt, device)
    rng = torch.Generator().manual_seed(seed)
    latents = torch.randn(n, module.generator.latent_dim, generator=rng)
    samples = torch.cat([module.generate(chunk).cpu() for chunk in latents.split(batch_size)])
    out = Path(out)
    if out.suffix == ".npy":
        return write_samples(samples, out)
    out.mkdir(parents=True, exist_ok=True)
    if samples.dim() == 4:
        for i, image in enumerate(samples):
            save_image((image + 1) / 2, out / f"{i:06d}.png")
    else:
        np.save(out / "samples.npy", samples.numpy())
    return out


@hydra.main(version_base="1.3", config_path=str(CONF_DIR), config_name="generate")
def main(cfg: DictConfig) -> None:
    try:
        out = generate(cfg.ckpt, cfg.n, cfg.out, cfg.batch_size, cfg.seed, cfg.device)
    except Exception as err:
        exit_on_user_error("gan_lab.generate", err)  # a bad checkpoint or setting: one line, exit 2
        raise
    print(f"wrote {cfg.n} samples to {out}")


if __name__ == "__main__":
    freeze_imported_objects()
    main()
