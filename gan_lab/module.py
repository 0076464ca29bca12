"""GANModule: the adversarial training loop as one LightningModule with manual optimization."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import pytorch_lightning as pl
import torch
from hydra.utils import instantiate
from torch import Tensor, nn

from gan_lab.augmentations import NoAugmentation
from gan_lab.divergence import DivergenceMonitor
from gan_lab.ema import ExponentialMovingAverage


class GANModule(pl.LightningModule):
    """A generator G and a discriminator D trained against each other.

    Every component is given as a config dict with a `_target_` (what Hydra composed from
    `conf/`), so a checkpoint carries what it needs to rebuild the networks; `dataset` (the data
    module's config) is only recorded, so that a checkpoint can be evaluated on its own data. Per training batch:
    `n_critic` D steps, each on its own slice of the real batch, then one G step; an exponential
    moving average of G's weights (`ema_decay`, 0 = off) is what samples and evaluation use.
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
        n_critic: int = 1,
        ema_decay: float = 0.999,
        total_steps: int | None = None,
        dataset: dict | None = None,
        channels_last: bool | str = "auto",
        compile: dict | None = None,
    ):
        super().__init__()
        if n_critic < 1:
            raise ValueError(f"train.n_critic must be >= 1, got {n_critic}")
        if not 0.0 <= ema_decay < 1.0:
            raise ValueError(f"train.ema_decay must be in [0, 1), got {ema_decay}")
        if channels_last not in ("auto", True, False):
            raise ValueError(f"train.channels_last must be auto, true or false, got {channels_last!r}")
        self.save_hyperparameters()
        self.automatic_optimization = False
        self.sample_shape = tuple(int(s) for s in sample_shape)
        self.n_critic, self.total_steps = n_critic, total_steps

        self.generator: nn.Module = instantiate(generator, shape=self.sample_shape)
        self.discriminator: nn.Module = instantiate(discriminator, shape=self.sample_shape)
        self.loss = instantiate(loss)
        self.augment = instantiate(augmentation) if augmentation else NoAugmentation()
        # AmbientGAN (Bora et al. 2018): D compares corrupted data with equally corrupted fakes.
        self.measure = instantiate(corruption) if corruption and corruption.get("ambient") else nn.Identity()
        self.regularizers = [instantiate(cfg) for cfg in (regularizers or {}).values()]
        for regularizer in self.regularizers:
            regularizer.wrap(self.generator, self.discriminator)

        self.ema = ExponentialMovingAverage(self.generator, ema_decay) if ema_decay > 0 else None
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
        for real in self.in_memory_format(batch).chunk(self.n_critic):
            with self.toggled_optimizer(opt_d):
                with torch.no_grad():  # D's step needs no graph through G
                    fake = self.run_generator(self.sample_latents(len(real)))
                real_in, fake_in = self.d_view_of_real(real), self.d_view_of_fake(fake)
                real_logits, fake_logits = self.run_discriminator(real_in), self.run_discriminator(fake_in)
                d_terms = {"d_loss": self.loss.d_loss(real_logits, fake_logits)}
                d_terms |= self.discriminator_penalties(real_in, fake_in, real_logits, fake_logits)
                d_total = sum(d_terms.values())
                grad_norm_d = self.optimize(opt_d, d_total, self.discriminator, "discriminator", log_now)
                self.loss.after_discriminator_step(self.discriminator)
                self.augment.observe(real_logits.detach())

        with self.toggled_optimizer(opt_g):
            fake_logits_g = self.run_discriminator(self.d_view_of_fake(self.run_generator(self.sample_latents(len(real)))))
            g_terms = {"g_loss": self.loss.g_loss(fake_logits_g)}
            for regularizer in self.regularizers:
                g_terms |= regularizer.g_terms(fake_logits_g)
            g_total = sum(g_terms.values())
            grad_norm_g = self.optimize(opt_g, g_total, self.generator, "generator", log_now)

        self.divergence.observe(d_total, g_total)
        for scheduler in self.schedulers():
            scheduler.step()
        if self.ema is not None:
            self.ema.update(self.generator, self.generator_steps)
        self.generator_steps += 1
        for regularizer in self.regularizers:
            regularizer.on_generator_step(self.generator_steps, self.total_steps or 0)
        if log_now:
            self.divergence.check(self.generator_steps, self.generator, self.discriminator)
            self.log_step(d_terms | g_terms, real_logits, fake_logits, grad_norm_d, grad_norm_g)

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

    def discriminator_penalties(self, real: Tensor, fake: Tensor, real_logits: Tensor, fake_logits: Tensor) -> dict:
        terms = {}
        penalty = self.loss.penalty(self.discriminator, real, fake)
        if penalty is not None:
            terms["d_penalty"] = penalty
        for regularizer in self.regularizers:
            terms |= regularizer.d_terms(self.discriminator, real, fake, real_logits, fake_logits)
        return terms

    def optimize(self, optimizer, loss: Tensor, network: nn.Module, role: str, measure: bool) -> Tensor | None:
        """zero_grad → backward → regularizers' gradient hooks (clipping) → step. Returns the gradient
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
        return grad_norm

    @property
    def logging_now(self) -> bool:
        """Whether this batch's scalars reach the loggers (`trainer.log_every_n_steps`); Lightning's
        own callbacks use the same flag."""
        trainer = self._trainer
        return trainer is None or trainer._logger_connector.should_update_logs

    def log_step(self, terms: dict, real_logits: Tensor, fake_logits: Tensor, grad_norm_d, grad_norm_g) -> None:
        opt_g, opt_d = self.optimizers()
        scalars: dict[str, Any] = {name: value.detach() for name, value in terms.items()}
        scalars |= {
            "d_real": real_logits.detach().mean(),
            "d_fake": fake_logits.detach().mean(),
            "lr_g": opt_g.param_groups[0]["lr"],
            "lr_d": opt_d.param_groups[0]["lr"],
            "g_step": float(self.generator_steps),
        }
        if grad_norm_d is not None:
            scalars["grad_norm_d"] = grad_norm_d
        if grad_norm_g is not None:
            scalars["grad_norm_g"] = grad_norm_g
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
        device = self._trainer.strategy.root_device if self._trainer is not None else self.device
        requested = self.hparams.channels_last
        convolutional = len(self.sample_shape) == 3 and any(isinstance(m, nn.Conv2d) for m in self.modules())
        self.channels_last = convolutional and (requested is True or (requested == "auto" and device.type == "cuda"))
        if self.channels_last:  # NHWC: what tensor cores' convolution kernels read fastest
            for network in (self.generator, self.discriminator, self.sampling_generator):
                network.to(memory_format=torch.channels_last)
        options = dict(self.hparams.compile or {})
        if options.pop("enabled", False) and not self._training_forward:
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
        if self._trainer is None:
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
        wandb_ids = [lg.version for lg in self.loggers if type(lg).__name__ == "WandbLogger"]
        if wandb_ids:
            checkpoint["wandb_run_id"] = wandb_ids[0]

    def on_load_checkpoint(self, checkpoint: dict) -> None:
        self.generator_steps = checkpoint.get("generator_steps", 0)
        self.resumed_wall_time_s = float(checkpoint.get("wall_time_s", 0.0))
        saved = checkpoint.get("regularizers", {})
        for regularizer in self.regularizers:
            regularizer.load_state_dict(saved.get(regularizer.name, {}))
            regularizer.on_generator_step(self.generator_steps, self.total_steps or 0)  # schedules back on track
        epoch_loop = checkpoint.get("loops", {}).get("fit_loop", {}).get("epoch_loop.state_dict", {})
        if "_batches_that_stepped" in epoch_loop:
            # The logger's step of the next batch must be the next generator step; Lightning adds 1
            # to this counter when it restarts a fit mid-epoch.
            epoch_loop["_batches_that_stepped"] = self.generator_steps - 1
        rng = checkpoint.get("rng_states", {})
        if "torch" in rng:
            torch.set_rng_state(rng["torch"])
        if "cuda" in rng and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(rng["cuda"])
