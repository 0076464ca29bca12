"""GANModule: the adversarial training loop as one LightningModule with manual optimization."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pytorch_lightning as pl
import torch
from hydra.utils import instantiate
from pytorch_lightning.loggers import WandbLogger
from torch import Tensor, nn

from gan_lab.augmentations import NoAugmentation
from gan_lab.compat import attached_trainer, logging_now, set_logger_step_on_resume
from gan_lab.divergence import DivergenceMonitor
from gan_lab.ema import ExponentialMovingAverage
from gan_lab.regularizers.base import build_regularizer, lazy_terms
from gan_lab.settings import TrainSettings
from gan_lab.step import DStep, GStep


@dataclass
class StepResult:
    """What one D or G step leaves for logging and divergence checks: its named terms, their sum,
    the gradient norm (on logging steps) and D's outputs, detached."""

    terms: dict[str, Tensor]
    total: Tensor
    grad_norm: Tensor | None
    real_logits: Tensor | None
    fake_logits: Tensor


# Where train.channels_last=auto lays convolutional G and D out as NHWC: CUDA (tensor cores) and the
# CPU, where the default job trains 12-20 % faster in NHWC, start-up included (docs/benchmarks.md).
CHANNELS_LAST_AUTO_DEVICES = ("cuda", "cpu")

class GANModule(pl.LightningModule):
    """A generator G and a discriminator D trained against each other.

    Every component is given as a config dict with a `_target_` (what Hydra composed from
    `conf/`), so a checkpoint carries what it needs to rebuild the networks; `dataset` (the data
    module's config) is only recorded, so that a checkpoint can be evaluated on its own data.
    `train` holds the training settings (`gan_lab/settings.py`'s `TrainSettings`, as a plain dict;
    checked by the same code as the command line's). Per training batch: `train.n_critic` D steps,
    each on its own slice of the real batch, then one G step; an exponential moving average of G's
    weights (`train.ema_decay`, 0 = off) is what samples and evaluation use.
    """

    def __init__(
        self,
        sample_shape: Sequence[int],
        generator: dict,
        discriminator: dict,
        loss: dict,
        optimizer: dict,
        scheduler: dict | None = None,
        augmentation: dict | None = None,
        regularizers: dict[str, dict] | None = None,
        corruption: dict | None = None,
        train: dict | None = None,
        dataset: dict | None = None,
    ):
        super().__init__()
        self.settings = TrainSettings.from_dict(train)
        self.save_hyperparameters(logger=False)  # in checkpoints; the loggers get the composed config (run.py)
        self.automatic_optimization = False
        self.sample_shape = tuple(int(s) for s in sample_shape)
        self.n_critic = self.settings.n_critic

        self.generator: nn.Module = instantiate(generator, shape=self.sample_shape)
        self.discriminator: nn.Module = instantiate(discriminator, shape=self.sample_shape)
        self.loss, self.regularizers = build_loss_and_regularizers(loss, regularizers or {})
        self.augment = instantiate(augmentation) if augmentation else NoAugmentation()
        # AmbientGAN (Bora et al. 2018): D compares corrupted data with equally corrupted fakes.
        self.measure = instantiate(corruption) if corruption and corruption.get("ambient") else nn.Identity()
        for regularizer in self.regularizers:
            regularizer.wrap(self.generator, self.discriminator)

        decay = self.settings.ema_decay
        self.ema = ExponentialMovingAverage(self.generator, decay) if decay > 0 else None
        self.generator_steps = 0
        self.divergence = DivergenceMonitor()
        self._hook_scalars: dict[str, Any] = {}
        self.channels_last = False  # decided in setup(), once the device is known
        self.resumed_wall_time_s = 0.0  # training time of the processes before a resume
        self._fit_started = time.perf_counter()
        self._training_forward: dict[str, Callable] = {}  # compiled G and D (a dict: not submodules, not in checkpoints)

    # ------------------------------------------------------------------ the adversarial step
    def training_step(self, batch: Tensor, batch_idx: int) -> None:
        opt_g, opt_d = self.optimizers()
        log_now = self.logging_now
        real_slices = self.in_memory_format(batch).chunk(self.n_critic)  # each D step its own reals
        for index, real in enumerate(real_slices):
            d_result = self.discriminator_step(real, opt_d, self.generator_steps * self.n_critic + index, log_now)
        g_result = self.generator_step(real_slices[-1], opt_g, log_now)

        self.divergence.observe(d_result.total, g_result.total)
        for scheduler in self.schedulers():
            scheduler.step()
        if self.ema is not None:
            self.ema.update(self.generator, self.generator_steps)
        self.generator_steps += 1
        for regularizer in self.regularizers:
            regularizer.on_generator_step(self.generator_steps)
        if log_now:  # the last D step of the batch and its G step
            self.divergence.check(self.generator_steps, self.generator, self.discriminator)
            self.log_step(d_result, g_result)

    def discriminator_step(self, real: Tensor, opt_d, d_step: int, log_now: bool) -> StepResult:
        """One D step on a slice of real data against fresh samples of G (no graph through G)."""
        with self.toggled_optimizer(opt_d):
            latents = self.sample_latents(len(real))
            with torch.no_grad():
                fake = self.run_generator(latents)
            real_in, fake_in = self.d_view_of_real(real), self.d_view_of_fake(fake)
            step = DStep(
                real=real_in, fake=fake_in,
                real_logits=self.run_discriminator(real_in), fake_logits=self.run_discriminator(fake_in),
                latents=latents, generator=self.generator, discriminator=self.discriminator,
                g_step=self.generator_steps, d_step=d_step,
            )  # fmt: skip
            terms = {"d_loss": self.loss.d_loss(step)} | self.regularizer_terms("d_terms", step, d_step)
            total = sum(terms.values())
            grad_norm = self.optimize(opt_d, total, self.discriminator, "discriminator", log_now)
            self.augment.observe(step.real_logits.detach())
        return StepResult(terms, total, grad_norm, step.real_logits.detach(), step.fake_logits.detach())

    def generator_step(self, real: Tensor, opt_g, log_now: bool) -> StepResult:
        """One G step; `real` (the last D step's slice) is shown to D only if a loss or regularizer asks."""
        with self.toggled_optimizer(opt_g):
            latents = self.sample_latents(len(real))
            fake_in = self.d_view_of_fake(self.run_generator(latents))
            step = GStep(
                fake=fake_in, fake_logits=self.run_discriminator(fake_in), latents=latents, generator=self.generator,
                discriminator=self.discriminator, g_step=self.generator_steps,
                real_view=lambda: self.d_view_of_real(real), run_discriminator=self.run_discriminator,
            )  # fmt: skip
            terms = {"g_loss": self.loss.g_loss(step)} | self.regularizer_terms("g_terms", step, self.generator_steps)
            total = sum(terms.values())
            grad_norm = self.optimize(opt_g, total, self.generator, "generator", log_now)
        return StepResult(terms, total, grad_norm, None, step.fake_logits.detach())

    def regularizer_terms(self, phase: str, step: DStep | GStep, index: int) -> dict[str, Tensor]:
        """Every regularizer's `d_terms` or `g_terms` (`phase`), the lazy ones only on every k-th step."""
        terms: dict[str, Tensor] = {}
        for regularizer in self.regularizers:
            if index % regularizer.every == 0:
                terms |= lazy_terms(regularizer, getattr(regularizer, phase)(step))
        return terms

    # ------------------------------------------------------------------ pieces of the step
    def run_generator(self, latents: Tensor) -> Tensor:
        """G's forward pass in the training step: compiled when `train.compile.enabled`."""
        return self._training_forward.get("generator", self.generator)(latents)

    def run_discriminator(self, images: Tensor) -> Tensor:
        """D's forward pass in the training step: compiled when `train.compile.enabled`. Penalties
        that differentiate D's gradient (WGAN-GP, R1, DRAGAN) call the eager `self.discriminator`:
        torch.compile's AOTAutograd has no double backward."""
        return self._training_forward.get("discriminator", self.discriminator)(images)

    def in_memory_format(self, batch: Tensor) -> Tensor:
        return batch.contiguous(memory_format=torch.channels_last) if self.channels_last else batch

    def sample_latents(self, n: int) -> Tensor:
        return torch.randn(n, self.generator.latent_dim, device=self.device)

    def d_view_of_real(self, real: Tensor) -> Tensor:
        """What D sees of a real batch: augmented, then through the regularizers' input transforms."""
        return self.d_inputs(self.augment(real))

    def d_view_of_fake(self, fake: Tensor) -> Tensor:
        """What D sees of a generated batch: measured like the data (ambient), augmented, transformed."""
        return self.d_inputs(self.augment.fake(self.measure(fake)))

    def d_inputs(self, images: Tensor) -> Tensor:
        for regularizer in self.regularizers:
            images = regularizer.d_inputs(images)
        return images

    def optimize(self, optimizer, loss: Tensor, network: nn.Module, role: str, measure: bool) -> Tensor | None:
        """zero_grad → backward → regularizers' gradient hooks (clipping) → step → regularizers' weight
        hooks (weight clipping). Returns the gradient
        norm before clipping when `measure` (logging steps; None otherwise, to keep the hot path free
        of extra reductions)."""
        optimizer.zero_grad(set_to_none=True)
        self.manual_backward(loss)
        grad_norm = None
        if measure:
            grads = [p.grad for p in network.parameters() if p.grad is not None]
            grad_norm = torch.nn.utils.get_total_norm(grads) if grads else None
        for regularizer in self.regularizers:
            self._hook_scalars |= regularizer.before_optimizer_step(network, role)
        optimizer.step()
        for regularizer in self.regularizers:
            regularizer.after_optimizer_step(network, role)
        return grad_norm

    @property
    def logging_now(self) -> bool:
        """Whether this batch's scalars reach the loggers (`trainer.log_every_n_steps`); Lightning's
        own callbacks use the same flag."""
        return logging_now(attached_trainer(self))

    def log_step(self, d_result: StepResult, g_result: StepResult) -> None:
        opt_g, opt_d = self.optimizers()
        scalars: dict[str, Any] = {name: value.detach() for name, value in (d_result.terms | g_result.terms).items()}
        scalars |= {
            "d_real": d_result.real_logits.mean(),
            "d_fake": d_result.fake_logits.mean(),
            "lr_g": opt_g.param_groups[0]["lr"],
            "lr_d": opt_d.param_groups[0]["lr"],
            "g_step": float(self.generator_steps),
        }
        if d_result.grad_norm is not None:
            scalars["grad_norm_d"] = d_result.grad_norm
        if g_result.grad_norm is not None:
            scalars["grad_norm_g"] = g_result.grad_norm
        scalars |= self.augment.scalars()
        for regularizer in self.regularizers:
            scalars |= regularizer.scalars()
        scalars |= {name: value.detach() if isinstance(value, Tensor) else value for name, value in self._hook_scalars.items()}
        shown = {name: scalars.pop(name) for name in ("d_loss", "g_loss")}
        self.log_dict(shown, on_step=True, on_epoch=False, prog_bar=True)
        self.log_dict(scalars, on_step=True, on_epoch=False)

    # ------------------------------------------------------------------ the GPU path
    def setup(self, stage: str) -> None:
        """Channels-last memory format and torch.compile, once the training device is known."""
        trainer = attached_trainer(self)
        device = trainer.strategy.root_device if trainer is not None else self.device
        requested = self.settings.channels_last
        convolutional = len(self.sample_shape) == 3 and any(isinstance(m, nn.Conv2d) for m in self.modules())
        auto = requested == "auto" and device.type in CHANNELS_LAST_AUTO_DEVICES
        self.channels_last = convolutional and (requested is True or auto)
        if self.channels_last:  # NHWC: what tensor cores' and oneDNN's convolution kernels read fastest
            for network in (self.generator, self.discriminator, self.sampling_generator):
                network.to(memory_format=torch.channels_last)
            store = getattr(trainer and trainer.datamodule, "store_in_memory_format", None)
            if store is not None:  # in-memory data held in NHWC once, not converted every batch
                store(torch.channels_last)
        compile_settings = self.settings.compile
        if compile_settings.enabled and not self._training_forward:
            options = {"backend": compile_settings.backend, "mode": compile_settings.mode}
            options = {key: value for key, value in options.items() if value is not None}
            self._training_forward = {
                "generator": torch.compile(self.generator, **options),
                "discriminator": torch.compile(self.discriminator, **options),
            }

    # ------------------------------------------------------------------ optimizers, sampling, state
    def configure_optimizers(self):
        opt_g = instantiate(self.hparams.optimizer["generator"])(self.generator.parameters())
        opt_d = instantiate(self.hparams.optimizer["discriminator"])(self.discriminator.parameters())
        if not self.hparams.scheduler:
            return [opt_g, opt_d]
        make_scheduler = instantiate(self.hparams.scheduler)
        return [opt_g, opt_d], [make_scheduler(opt_g), make_scheduler(opt_d)]

    def schedulers(self) -> list:
        """The learning-rate schedulers (none with `scheduler=constant`), stepped once per G step."""
        if attached_trainer(self) is None:
            return []
        schedulers = self.lr_schedulers()
        if schedulers is None:
            return []
        return schedulers if isinstance(schedulers, list) else [schedulers]

    @property
    def sampling_generator(self) -> nn.Module:
        """The EMA generator when EMA is on, else G itself: what samples and evaluation use."""
        return self.ema.module if self.ema is not None else self.generator

    @torch.no_grad()
    def generate(self, latents: Tensor) -> Tensor:
        """Samples of the sampling generator for the given latents, in eval mode."""
        net = self.sampling_generator
        was_training = net.training
        net.eval()
        try:
            return net(latents.to(self.device)).float()
        finally:
            net.train(was_training)

    def on_fit_start(self) -> None:
        self._fit_started = time.perf_counter()

    @property
    def wall_time_s(self) -> float:
        """Training time of this run so far, over every process that worked on it (resumes included)."""
        return self.resumed_wall_time_s + time.perf_counter() - self._fit_started

    def on_train_end(self) -> None:
        self.divergence.check(self.generator_steps, self.generator, self.discriminator)

    def on_save_checkpoint(self, checkpoint: dict) -> None:
        checkpoint["generator_steps"] = self.generator_steps
        checkpoint["wall_time_s"] = self.wall_time_s
        checkpoint["rng_states"] = {"torch": torch.get_rng_state()}
        if torch.cuda.is_available():
            checkpoint["rng_states"]["cuda"] = torch.cuda.get_rng_state_all()
        checkpoint["regularizers"] = {regularizer.name: regularizer.state_dict() for regularizer in self.regularizers}
        wandb_ids = [lg.version for lg in self.loggers if isinstance(lg, WandbLogger)]
        if wandb_ids:
            checkpoint["wandb_run_id"] = wandb_ids[0]

    def on_load_checkpoint(self, checkpoint: dict) -> None:
        self.generator_steps = checkpoint.get("generator_steps", 0)
        self.resumed_wall_time_s = float(checkpoint.get("wall_time_s", 0.0))
        saved = checkpoint.get("regularizers", {})
        for regularizer in self.regularizers:
            regularizer.load_state_dict(saved.get(regularizer.name, {}))
            regularizer.on_generator_step(self.generator_steps)  # schedules back on track
        set_logger_step_on_resume(checkpoint, self.generator_steps)  # the loggers' step = the G-step
        rng = checkpoint.get("rng_states", {})
        if "torch" in rng:
            torch.set_rng_state(rng["torch"])
        if "cuda" in rng and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(rng["cuda"])


def build_loss_and_regularizers(loss: dict, regularizers: dict[str, dict]) -> tuple[Any, list]:
    """The loss, and the regularizers: those the loss's config brings (`loss.regularizers`, as
    `loss=wgan_gp` brings `gp`) first, then the `regularizer` group's. One name in both is refused:
    it would count the same term twice."""
    loss = dict(loss)
    brought = dict(loss.pop("regularizers", None) or {})
    twice = sorted(set(brought) & set(regularizers))
    if twice:
        name = twice[0]
        raise ValueError(
            f"regularizer=[{name}] repeats the {name} regularizer that this loss already brings (loss.regularizers.{name}); "
            f"drop it from regularizer=, and set its settings with loss.regularizers.{name}.<key>=..."
        )
    built = [build_regularizer(cfg, f"loss.regularizers.{name}") for name, cfg in brought.items()]
    built += [build_regularizer(cfg, f"regularizer.{name}") for name, cfg in regularizers.items()]
    return instantiate(loss), built
