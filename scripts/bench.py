"""Training-step speed of gan_lab against two plain-PyTorch loops, side by side in one process.

    python scripts/bench.py                                   # CPU: dcgan × (ns, wgan_gp), batch 64, 32×32×3
    python scripts/bench.py --device cuda --models dcgan resnet --batches 64 256 --json gpu.json

A step is what gan_lab calls one generator step: `n_critic` D steps, each on its own real batch,
then one G step and the EMA update of G. Three loops run the same networks (built from gan_lab's
configs), the same loss objects, batch, precision and seed:

- gan_lab: `GANModule` driven by Lightning's `Trainer`, with the default job's per-step logging
  (a CSV logger, `log.every` steps) — what a user runs, minus sample grids, checkpoints and evaluation;
- (a) dataloader: the loop typical GAN repositories write, fed by a `torch.utils.data.DataLoader`
  over an in-memory `TensorDataset` (shuffle, pinned memory on a GPU, `.to(device)` per batch);
- (b) plain: an optimized hand loop, the data already on the device and batches drawn by indexing.

In each of `--rounds` rounds every loop runs in turn: `--warmup` steps untimed, then `--repeats`
timed blocks of `--steps` steps; the median block over all rounds gives ms/step (interleaving the
loops spreads a busy phase of a shared machine over all three). Data content does not change
speed, so the data are random images.
"""

from __future__ import annotations

import argparse
import copy
import json
import platform
import resource
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import pytorch_lightning as pl
import torch
from hydra import compose, initialize_config_dir
from hydra.utils import instantiate
from torch.utils.data import DataLoader, TensorDataset

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gan_lab.datasets.base import InMemoryDataModule  # noqa: E402
from gan_lab.run import CONF_DIR, build_module  # noqa: E402


class RandomImages(InMemoryDataModule):
    """`n` random images of `shape` in [-1, 1] (a speed benchmark does not look at content)."""

    def __init__(self, shape, n: int = 4096, **kwargs):
        super().__init__(**kwargs)
        self.sample_shape, self.n = tuple(shape), n

    def load(self):
        images = torch.rand((self.n, *self.sample_shape), generator=torch.Generator().manual_seed(0)) * 2 - 1
        return images, None, images[:16], None


class StepTimer(pl.Callback):
    """Wall time of blocks of `block` training batches after `warmup` batches."""

    def __init__(self, warmup: int, block: int, device: torch.device):
        self.warmup, self.block, self.device, self.blocks, self.start = warmup, block, device, [], None

    def _now(self) -> float:
        if self.device.type == "cuda":
            torch.cuda.synchronize()
        return time.perf_counter()

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx):
        if batch_idx >= self.warmup and (batch_idx - self.warmup) % self.block == 0:
            self.start = self._now()

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
        if batch_idx >= self.warmup and (batch_idx - self.warmup) % self.block == self.block - 1:
            self.blocks.append((self._now() - self.start) / self.block)


def compose_cfg(model: str, loss: str, batch: int, device: str):
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        overrides = [f"model={model}", f"loss={loss}", f"train.batch_size={batch}", "dataset.image_size=32",
                     "eval.enabled=false", f"trainer={'gpu' if device == 'cuda' else 'cpu'}"]
        return compose("config", overrides=overrides)


def bench_gan_lab(cfg, shape, args, device) -> float:
    steps = args.warmup + args.repeats * args.steps
    datamodule = RandomImages(shape, batch_size=cfg.train.batch_size * cfg.train.n_critic, num_batches=steps, seed=0)
    module = build_module(cfg, shape)
    timer = StepTimer(args.warmup, args.steps, device)
    with tempfile.TemporaryDirectory() as log_dir:
        trainer = pl.Trainer(
            accelerator="gpu" if device.type == "cuda" else "cpu", devices=1, precision=cfg.trainer.precision,
            max_epochs=1, logger=pl.loggers.CSVLogger(log_dir), log_every_n_steps=cfg.log.every, callbacks=[timer],
            enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False, num_sanity_val_steps=0,
        )
        trainer.fit(module, datamodule=datamodule)
    return timer.blocks


def plain_parts(cfg, shape, device):
    """G, D, the EMA copy of G, optimizers and loss, exactly as gan_lab builds them."""
    module = build_module(cfg, shape)
    g, d, loss = module.generator.to(device), module.discriminator.to(device), module.loss
    ema = copy.deepcopy(g).requires_grad_(False)
    opt_g = instantiate(cfg.optimizer.generator)(g.parameters())
    opt_d = instantiate(cfg.optimizer.discriminator)(d.parameters())
    return g, d, ema, opt_g, opt_d, loss


def plain_step(real_batches, g, d, ema, opt_g, opt_d, loss, latent_dim, autocast, ema_pairs, decay):
    """One generator step of a plain loop: n_critic D steps, one G step, the EMA update."""
    for real in real_batches:
        with autocast():
            with torch.no_grad():
                fake = g(torch.randn(len(real), latent_dim, device=real.device))
            d_loss = loss.d_loss(d(real), d(fake))
            penalty = loss.penalty(d, real, fake)
            if penalty is not None:
                d_loss = d_loss + penalty
        opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        opt_d.step()
        loss.after_discriminator_step(d)
    d.requires_grad_(False)
    with autocast():
        g_loss = loss.g_loss(d(g(torch.randn(len(real), latent_dim, device=real.device))))
    opt_g.zero_grad(set_to_none=True)
    g_loss.backward()
    opt_g.step()
    d.requires_grad_(True)
    with torch.no_grad():
        torch._foreach_lerp_(ema_pairs[0], ema_pairs[1], 1 - decay)


def bench_plain(cfg, shape, args, device, use_dataloader: bool) -> float:
    torch.manual_seed(0)
    g, d, ema, opt_g, opt_d, loss = plain_parts(cfg, shape, device)
    floats = [(e, p) for e, p in zip(ema.state_dict().values(), g.state_dict().values()) if e.is_floating_point()]
    ema_pairs = ([e for e, _ in floats], [p for _, p in floats])
    n_critic, batch = cfg.train.n_critic, cfg.train.batch_size
    data = torch.rand((4096, *shape), generator=torch.Generator().manual_seed(0)) * 2 - 1
    bf16 = device.type == "cuda" and "bf16" in str(cfg.trainer.precision)

    def autocast():
        return torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16)

    if use_dataloader:
        loader = DataLoader(TensorDataset(data), batch_size=batch * n_critic, shuffle=True, drop_last=True,
                            pin_memory=device.type == "cuda")

        def batches():
            while True:
                for (real,) in loader:
                    yield real.to(device, non_blocking=True)
    else:
        on_device = data.to(device)

        def batches():
            while True:
                perm = torch.randperm(len(on_device), device=device)
                for i in range(len(on_device) // (batch * n_critic)):
                    yield on_device[perm[i * batch * n_critic:(i + 1) * batch * n_critic]]

    stream, blocks = batches(), []
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    for step in range(args.warmup + args.repeats * args.steps):
        if step >= args.warmup and (step - args.warmup) % args.steps == 0:
            sync()
            start = time.perf_counter()
        plain_step(next(stream).chunk(n_critic), g, d, ema, opt_g, opt_d, loss, g.latent_dim, autocast, ema_pairs,
                   cfg.train.ema_decay)
        if step >= args.warmup and (step - args.warmup) % args.steps == args.steps - 1:
            sync()
            blocks.append((time.perf_counter() - start) / args.steps)
    return blocks


def peak_memory_mib(device) -> float:
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated() / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # the process's peak so far (Linux: KiB)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--models", nargs="+", default=["dcgan"])
    parser.add_argument("--losses", nargs="+", default=["ns", "wgan_gp"])
    parser.add_argument("--batches", nargs="+", type=int, default=[64])
    parser.add_argument("--channels", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=4, help="rounds, each running every loop in turn")
    parser.add_argument("--warmup", type=int, default=3, help="untimed steps at the start of each round")
    parser.add_argument("--steps", type=int, default=10, help="steps per timed block")
    parser.add_argument("--repeats", type=int, default=3, help="timed blocks per round; the median of all is reported")
    parser.add_argument("--json", type=Path, help="also write the rows here")
    args = parser.parse_args()
    device = torch.device(args.device)
    shape = (args.channels, 32, 32)
    gpu = f" ({torch.cuda.get_device_name()})" if device.type == "cuda" else ""
    print(f"# {date.today()} · {platform.processor() or platform.machine()} · {torch.get_num_threads()} threads · "
          f"torch {torch.__version__} · device {device}{gpu}")
    header = (f"{'model':7} {'loss':8} {'batch':>5}  {'gan_lab ms':>10} {'(a) ms':>8} {'(b) ms':>8}  {'real img/s':>10}  "
              f"{'÷ (a)':>6} {'÷ (b)':>6}  {'peak MiB':>8}")
    print(header)
    rows = []
    for model in args.models:
        for loss in args.losses:
            for batch in args.batches:
                cfg = compose_cfg(model, loss, batch, device.type)
                if device.type == "cuda":
                    torch.cuda.reset_peak_memory_stats()
                blocks = {"gan_lab": [], "dataloader": [], "plain": []}
                for _ in range(args.rounds):  # interleaved, so that a slow phase of the machine hits every loop
                    blocks["gan_lab"] += bench_gan_lab(cfg, shape, args, device)
                    blocks["dataloader"] += bench_plain(cfg, shape, args, device, use_dataloader=True)
                    blocks["plain"] += bench_plain(cfg, shape, args, device, use_dataloader=False)
                ms = {name: statistics.median(times) * 1000 for name, times in blocks.items()}
                images = batch * cfg.train.n_critic  # real images per step
                row = {
                    "model": model, "loss": loss, "batch": batch, "n_critic": cfg.train.n_critic, "device": str(device),
                    "ms_per_step": {name: round(value, 2) for name, value in ms.items()},
                    "images_per_s": round(images / ms["gan_lab"] * 1000, 1),
                    "ratio_vs_dataloader": round(ms["gan_lab"] / ms["dataloader"], 3),
                    "ratio_vs_plain": round(ms["gan_lab"] / ms["plain"], 3),
                    "peak_memory_mib": round(peak_memory_mib(device), 1),
                }
                rows.append(row)
                print(f"{model:7} {loss:8} {batch:>5}  {ms['gan_lab']:>10.2f} {ms['dataloader']:>8.2f} {ms['plain']:>8.2f}  "
                      f"{row['images_per_s']:>10.1f}  {row['ratio_vs_dataloader']:>6.3f} {row['ratio_vs_plain']:>6.3f}  "
                      f"{row['peak_memory_mib']:>8.1f}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
