"""Training-step speed of gan_lab against two plain-PyTorch loops, side by side in one process.

    python scripts/bench.py                                   # CPU: dcgan × (ns, wgan_gp), batch 64, 32×32×3
    python scripts/bench.py --models mlp dcgan resnet --json cpu.json   # mlp: 2-D points (ring8, its own tuning)
    python scripts/bench.py --device cuda --models dcgan resnet --batches 64 256 --json gpu.json
    python scripts/bench.py --device cuda --compile ...       # + torch.compile of G and D (gan_lab and (b))

A step is what gan_lab calls one generator step: `n_critic` D steps, each on its own real batch,
then one G step and the EMA update of G. Three loops run the same networks (built from gan_lab's
configs), the same loss objects, batch and seed:

- gan_lab: `GANModule` driven by Lightning's `Trainer`, with the default job's per-step logging
  (a CSV logger, `log.every` steps; `--log-every 1000000` times the step without it) — what a user
  runs, minus sample grids, checkpoints and evaluation;
- (a) dataloader: the loop typical GAN repositories write, fed by a `torch.utils.data.DataLoader`
  over an in-memory `TensorDataset` (shuffle, pinned memory on a GPU, `.to(device)` per batch),
  in fp32, eager, NCHW;
- (b) plain: an optimized hand loop, the data already on the device and batches drawn by indexing,
  with gan_lab's precision (`trainer=gpu`: bf16 autocast), memory format (channels-last on a GPU)
  and, with `--compile`, torch.compile of G's and D's forward passes (the penalty stays eager).

Each of `--rounds` rounds builds every loop afresh and runs `--warmup` untimed steps of each, then
`--repeats` timed blocks of `--steps` steps of gan_lab, each followed at once by one block of (a)
and one of (b) (run from a callback between gan_lab's batches): the loops alternate every second
or so, and a busy phase of a shared machine hits all three alike. ms/step is the median block of
each loop over all rounds; each ratio is the median over repeats of a gan_lab block's time divided
by that of the plain block run right after it. Data content does not change speed, so the data
are random images (random points for `mlp`, which trains on the 2-D ring8 mixture with that
dataset's own batch, n_critic and WGAN-GP weight: conf/dataset/ring8.yaml, conf/tuning/).

Distance to the machine's limit: each row also counts a step's floating-point work (forward and
backward of every network, with torch.utils.flop_counter.FlopCounterMode over one step of loop (b)),
the GFLOP/s gan_lab achieves with it, and that as a fraction of this machine's fp32 peak, measured
in the same invocation as the best of several large matmuls (2048², the same threads).
"""

from __future__ import annotations

import argparse
import copy
import json
import math
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
from torch.utils.flop_counter import FlopCounterMode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gan_lab.datasets.base import InMemoryDataModule  # noqa: E402
from gan_lab.module import CHANNELS_LAST_AUTO_DEVICES  # noqa: E402
from gan_lab.run import CONF_DIR, build_module  # noqa: E402
from gan_lab.step import DStep, GStep  # noqa: E402


class RandomImages(InMemoryDataModule):
    """`n` random images of `shape` in [-1, 1] (a speed benchmark does not look at content)."""

    def __init__(self, shape, n: int = 4096, **kwargs):
        super().__init__(**kwargs)
        self.sample_shape, self.n = tuple(shape), n

    def load(self):
        images = torch.rand((self.n, *self.sample_shape), generator=torch.Generator().manual_seed(0)) * 2 - 1
        return images, None, images[:16], None


class InterleavedTimer(pl.Callback):
    """Times gan_lab's training batches in blocks of `block` after `warmup` batches and, after each
    gan_lab block, runs one block of each plain loop: the loops alternate every few seconds, so a
    busy phase of a shared machine hits all of them alike."""

    def __init__(self, warmup: int, block: int, device: torch.device, plain_loops: dict):
        self.warmup, self.block, self.device, self.plain_loops = warmup, block, device, plain_loops
        self.blocks: dict[str, list[float]] = {"gan_lab": [], **{name: [] for name in plain_loops}}
        self.start = 0.0

    def _now(self) -> float:
        if self.device.type == "cuda":
            torch.cuda.synchronize()
        return time.perf_counter()

    def on_train_start(self, trainer, pl_module):
        for loop in self.plain_loops.values():
            loop.run(self.warmup)

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx):
        if batch_idx >= self.warmup and (batch_idx - self.warmup) % self.block == 0:
            self.start = self._now()

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
        if batch_idx >= self.warmup and (batch_idx - self.warmup) % self.block == self.block - 1:
            self.blocks["gan_lab"].append((self._now() - self.start) / self.block)
            for name, loop in self.plain_loops.items():
                start = self._now()
                loop.run(self.block)
                self.blocks[name].append((self._now() - start) / self.block)


# What each model trains on: the image models on 32×32 random images with the model's own settings
# (no conf/tuning/: the digits' WGAN-GP recipe, n_critic 5, is about the digits, and the rows stay
# comparable with docs/benchmarks.md's), the MLP on 2-D points with the ring8 mixture's own settings
# (batch 256, its learning rates; with WGAN-GP n_critic 2 and λ 0.1).
MODEL_DATA = {
    "mlp": (["dataset=ring8"], (2,)),
    "dcgan": (["dataset.image_size=32", "~tuning"], None),
    "resnet": (["dataset.image_size=32", "~tuning"], None),
}


def significant(value: float, digits: int = 4) -> float:
    """`value` to `digits` significant figures: a loaded machine's 0.79 GFLOP/s keeps as many as a quiet one's 80.1."""
    return float(f"{value:.{digits}g}")


def compose_cfg(model: str, loss: str, batch: int | None, device: str, args):
    data_overrides, _ = MODEL_DATA[model]
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        overrides = [*data_overrides, f"model={model}", f"loss={loss}", "eval.enabled=false",
                     f"trainer={'gpu' if device == 'cuda' else 'cpu'}",
                     f"train.channels_last={args.channels_last}", f"train.compile.enabled={args.compile}",
                     f"train.compile.backend={args.compile_backend}"]
        overrides += [f"train.batch_size={batch}"] if batch is not None else []
        overrides += [f"log.every={args.log_every}"] if args.log_every is not None else []
        return compose("config", overrides=overrides)


def sample_shape(model: str, channels: int) -> tuple[int, ...]:
    return MODEL_DATA[model][1] or (channels, 32, 32)


def bench_round(cfg, shape, args, device) -> dict[str, list[float]]:
    """One round: gan_lab under Lightning's Trainer, with both plain loops run between its blocks."""
    steps = args.warmup + args.repeats * args.steps
    datamodule = RandomImages(shape, batch_size=cfg.train.batch_size * cfg.train.n_critic, num_batches=steps, seed=0)
    module = build_module(cfg, shape)
    plain_loops = {"dataloader": PlainLoop(cfg, shape, args, device, use_dataloader=True),
                   "plain": PlainLoop(cfg, shape, args, device, use_dataloader=False)}
    timer = InterleavedTimer(args.warmup, args.steps, device, plain_loops)
    with tempfile.TemporaryDirectory() as log_dir:
        trainer = pl.Trainer(
            accelerator="gpu" if device.type == "cuda" else "cpu", devices=1, precision=cfg.trainer.precision,
            max_epochs=1, logger=pl.loggers.CSVLogger(log_dir), log_every_n_steps=cfg.log.every, callbacks=[timer],
            enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False, num_sanity_val_steps=0,
        )
        trainer.fit(module, datamodule=datamodule)
    return timer.blocks


def plain_parts(cfg, shape, device):
    """G, D, the EMA copy of G, optimizers and their learning-rate schedulers, loss and regularizers
    (WGAN-GP's penalty), exactly as gan_lab builds them."""
    module = build_module(cfg, shape)
    g, d, loss = module.generator.to(device), module.discriminator.to(device), (module.loss, module.regularizers)
    ema = copy.deepcopy(g).requires_grad_(False)
    opt_g = instantiate(cfg.optimizer.generator)(g.parameters())
    opt_d = instantiate(cfg.optimizer.discriminator)(d.parameters())
    schedulers = [instantiate(cfg.scheduler)(opt) for opt in (opt_g, opt_d)] if cfg.get("scheduler") else []
    return g, d, ema, opt_g, opt_d, loss, schedulers


def plain_step(real_batches, g, d, run_g, run_d, ema, opt_g, opt_d, loss, latent_dim, autocast, ema_pairs, decay, schedulers):
    """One generator step of a plain loop: n_critic D steps, one G step, the EMA update. `run_g` and
    `run_d` are G's and D's forward passes (compiled or the networks themselves); the penalty takes
    the eager D. `loss` is the loss and its regularizers (the penalty of WGAN-GP)."""
    loss, regularizers = loss
    for real in real_batches:
        with autocast():
            latents = torch.randn(len(real), latent_dim, device=real.device)
            with torch.no_grad():
                fake = run_g(latents)
            step = DStep(real, fake, run_d(real), run_d(fake), latents, g, d, g_step=0, d_step=0)
            d_loss = loss.d_loss(step) + sum(sum(r.d_terms(step).values()) for r in regularizers)
        opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        opt_d.step()
        for regularizer in regularizers:
            regularizer.after_optimizer_step(d, "discriminator")
    d.requires_grad_(False)
    with autocast():
        latents = torch.randn(len(real), latent_dim, device=real.device)
        fake = run_g(latents)
        step = GStep(fake, run_d(fake), latents, g, d, g_step=0, real_view=lambda: real, run_discriminator=run_d)
        g_loss = loss.g_loss(step)
    opt_g.zero_grad(set_to_none=True)
    g_loss.backward()
    opt_g.step()
    d.requires_grad_(True)
    with torch.no_grad():
        torch._foreach_lerp_(ema_pairs[0], ema_pairs[1], 1 - decay)
    for scheduler in schedulers:
        scheduler.step()


class PlainLoop:
    """A plain-PyTorch training loop over the same networks, loss and batch as gan_lab's; `run(n)`
    does n generator steps."""

    def __init__(self, cfg, shape, args, device, use_dataloader: bool):
        torch.manual_seed(0)
        g, d, ema, opt_g, opt_d, loss, schedulers = plain_parts(cfg, shape, device)
        optimized = not use_dataloader  # (a) is the typical loop: fp32, NCHW, eager
        memory_format = torch.preserve_format
        auto = args.channels_last == "auto" and device.type in CHANNELS_LAST_AUTO_DEVICES
        if optimized and len(shape) == 3 and (args.channels_last == "true" or auto):
            memory_format = torch.channels_last
            for network in (g, d, ema):
                network.to(memory_format=memory_format)
        run_g, run_d = g, d
        if optimized and args.compile:
            run_g, run_d = torch.compile(g, backend=args.compile_backend), torch.compile(d, backend=args.compile_backend)
        floats = [(e, p) for e, p in zip(ema.state_dict().values(), g.state_dict().values()) if e.is_floating_point()]
        ema_pairs = ([e for e, _ in floats], [p for _, p in floats])
        bf16 = optimized and device.type == "cuda" and "bf16" in str(cfg.trainer.precision)
        n_critic, batch = cfg.train.n_critic, cfg.train.batch_size
        self.n_critic = n_critic
        self.parts = (g, d, run_g, run_d, ema, opt_g, opt_d, loss, g.latent_dim,
                      lambda: torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16), ema_pairs, cfg.train.ema_decay,
                      schedulers)
        data = torch.rand((4096, *shape), generator=torch.Generator().manual_seed(0)) * 2 - 1
        if use_dataloader:
            loader = DataLoader(TensorDataset(data), batch_size=batch * n_critic, shuffle=True, drop_last=True,
                                pin_memory=device.type == "cuda")

            def batches():
                while True:
                    for (real,) in loader:
                        yield real.to(device, non_blocking=True)
        else:
            on_device = data.to(device).contiguous(memory_format=memory_format)

            def batches():
                while True:
                    perm = torch.randperm(len(on_device), device=device)
                    for i in range(len(on_device) // (batch * n_critic)):
                        yield on_device[perm[i * batch * n_critic:(i + 1) * batch * n_critic]]

        self.stream = batches()

    def run(self, steps: int) -> None:
        for _ in range(steps):
            plain_step(next(self.stream).chunk(self.n_critic), *self.parts)


def flop_per_step(cfg, shape, args, device) -> float:
    """Floating-point operations of one generator step (n_critic D steps, the G step, forward and
    backward), counted by torch's FlopCounterMode over one step of loop (b) after a warm-up step."""
    loop = PlainLoop(cfg, shape, args, device, use_dataloader=False)
    loop.run(1)
    counter = FlopCounterMode(display=False)
    counter.mod_tracker = GlobalOnly()
    with counter:
        loop.run(1)
    return float(counter.get_total_flops())


class GlobalOnly:
    """FlopCounterMode's module tracker, without the per-module attribution: its backward hooks break
    torch.autograd.grad (WGAN-GP's penalty, R1), and only the step's total is wanted."""

    parents = {"Global"}

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None


def measured_peak_gflops(device, n: int = 2048, repeats: int = 7) -> float:
    """This machine's fp32 peak as torch reaches it: the best of `repeats` n×n matmuls (2n³ FLOP) on
    the same threads as the benchmark."""
    a, b = torch.randn(n, n, device=device), torch.randn(n, n, device=device)
    best = math.inf
    for _ in range(repeats + 2):  # the first two warm up
        if device.type == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        a @ b
        if device.type == "cuda":
            torch.cuda.synchronize()
        best = min(best, time.perf_counter() - start)
    return 2 * n**3 / best / 1e9


def peak_memory_mib(device) -> float:
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated() / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # the process's peak so far (Linux: KiB)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--models", nargs="+", default=["dcgan"])
    parser.add_argument("--losses", nargs="+", default=["ns", "wgan_gp"])
    parser.add_argument("--batches", nargs="+", type=int, default=None,
                        help="batch sizes (default: 64 for the image models, the dataset's own for mlp: 256)")
    parser.add_argument("--channels", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=2, help="rounds, each with a fresh Trainer and fresh plain loops")
    parser.add_argument("--warmup", type=int, default=3, help="untimed steps of each loop at the start of each round")
    parser.add_argument("--steps", type=int, default=10, help="steps per timed block")
    parser.add_argument("--repeats", type=int, default=6, help="timed blocks of each loop per round, interleaved")
    parser.add_argument("--channels-last", default="auto", choices=["auto", "true", "false"],
                        help="gan_lab's train.channels_last, also used by loop (b); auto = on CUDA and the CPU")
    parser.add_argument("--compile", action="store_true", help="torch.compile G and D in gan_lab and loop (b)")
    parser.add_argument("--compile-backend", default="inductor")
    parser.add_argument("--log-every", type=int, default=None,
                        help="gan_lab's log.every (default: the config's, 10); a large value times the step without logging")
    parser.add_argument("--json", type=Path, help="also write the rows here")
    args = parser.parse_args()
    device = torch.device(args.device)
    gpu = f" ({torch.cuda.get_device_name()})" if device.type == "cuda" else ""
    peak = measured_peak_gflops(device)
    print(f"# {date.today()} · {platform.processor() or platform.machine()} · {torch.get_num_threads()} threads · "
          f"torch {torch.__version__} · device {device}{gpu} · fp32 peak (2048² matmul) {peak:.1f} GFLOP/s")
    header = (f"{'model':7} {'loss':8} {'batch':>5}  {'gan_lab ms':>10} {'(a) ms':>8} {'(b) ms':>8}  {'real/s':>9}  "
              f"{'÷ (a)':>6} {'÷ (b)':>6}  {'GFLOP/step':>10} {'GFLOP/s':>8} {'of peak':>7}  {'peak MiB':>8}")
    print(header)
    rows = []
    for model in args.models:
        shape = sample_shape(model, args.channels)
        for loss in args.losses:
            for batch in args.batches or [None if model == "mlp" else 64]:
                cfg = compose_cfg(model, loss, batch, device.type, args)
                batch = cfg.train.batch_size
                if device.type == "cuda":
                    torch.cuda.reset_peak_memory_stats()
                blocks = {"gan_lab": [], "dataloader": [], "plain": []}
                for _ in range(args.rounds):  # a fresh Trainer and fresh plain loops each round
                    for name, times in bench_round(cfg, shape, args, device).items():
                        blocks[name] += times
                ms = {name: statistics.median(times) * 1000 for name, times in blocks.items()}
                # each gan_lab block against the plain blocks run right after it, then the median
                ratio = {name: statistics.median(g / o for g, o in zip(blocks["gan_lab"], blocks[name]))
                         for name in ("dataloader", "plain")}
                images = batch * cfg.train.n_critic  # real samples per step
                flop = flop_per_step(cfg, shape, args, device)
                achieved = flop / (ms["gan_lab"] / 1000) / 1e9
                row = {
                    "model": model, "loss": loss, "batch": batch, "n_critic": cfg.train.n_critic, "device": str(device),
                    "precision": str(cfg.trainer.precision), "channels_last": args.channels_last, "compile": args.compile,
                    "log_every": cfg.log.every,
                    "ms_per_step": {name: round(value, 3) for name, value in ms.items()},  # as blocks_ms
                    "images_per_s": round(images / ms["gan_lab"] * 1000, 1),
                    "ratio_vs_dataloader": round(ratio["dataloader"], 3),
                    "ratio_vs_plain": round(ratio["plain"], 3),
                    "gflop_per_step": significant(flop / 1e9),
                    "achieved_gflops": significant(achieved),
                    "peak_gflops": round(peak, 1),
                    "fraction_of_peak": significant(achieved / peak),
                    "peak_memory_mib": round(peak_memory_mib(device), 1),
                    "blocks_ms": {name: [round(t * 1000, 3) for t in times] for name, times in blocks.items()},
                }
                rows.append(row)
                print(f"{model:7} {loss:8} {batch:>5}  {ms['gan_lab']:>10.2f} {ms['dataloader']:>8.2f} {ms['plain']:>8.2f}  "
                      f"{row['images_per_s']:>9.0f}  {row['ratio_vs_dataloader']:>6.3f} {row['ratio_vs_plain']:>6.3f}  "
                      f"{row['gflop_per_step']:>10.3f} {achieved:>8.1f} {row['fraction_of_peak']:>7.1%}  "
                      f"{row['peak_memory_mib']:>8.1f}", flush=True)
                if args.json:  # after every row: a run stopped at its time limit keeps the rows it measured
                    args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
