"""GANModule: the adversarial training loop as one LightningModule with manual optimization."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytorch_lightning as pl
import torch
from hydra.utils import instantiate
from torch import Tensor, nn

from gan_lab.augmentations import NoAugmentation
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
        augmentation: dict | None = None,
        regularizers: dict[str, dict] | None = None,
        n_critic: int = 1,
        ema_decay: float = 0.999,
        grad_clip_norm: float | None = None,
        dataset: dict | None = None,
    ):
        super().__init__()
        if n_critic < 1:
            raise ValueError(f"train.n_critic must be >= 1, got {n_critic}")
        if not 0.0 <= ema_decay < 1.0:
            raise ValueError(f"train.ema_decay must be in [0, 1), got {ema_decay}")
        if grad_clip_norm is not None and grad_clip_norm <= 0:
            raise ValueError(f"train.grad_clip_norm must be > 0 or null, got {grad_clip_norm}")
        self.save_hyperparameters()
        self.automatic_optimization = False
        self.sample_shape = tuple(int(s) for s in sample_shape)
        self.n_critic, self.grad_clip_norm = n_critic, grad_clip_norm

        self.generator: nn.Module = instantiate(generator, shape=self.sample_shape)
        self.discriminator: nn.Module = instantiate(discriminator, shape=self.sample_shape)
        self.loss = instantiate(loss)
        self.augment = instantiate(augmentation) if augmentation else NoAugmentation()
        self.regularizers = [instantiate(cfg) for cfg in (regularizers or {}).values()]
        for regularizer in self.regularizers:
            regularizer.wrap(self.generator, self.discriminator)

        self.ema = ExponentialMovingAverage(self.generator, ema_decay) if ema_decay > 0 else None
        self.generator_steps = 0

    # ------------------------------------------------------------------ the adversarial step
    def training_step(self, batch: Tensor, batch_idx: int) -> None:
        opt_g, opt_d = self.optimizers()
        log_now = self.logging_now
        for real in batch.chunk(self.n_critic):
            with self.toggled_optimizer(opt_d):
                with torch.no_grad():  # D's step needs no graph through G
                    fake = self.generator(self.sample_latents(len(real)))
                real_in, fake_in = self.augment(real), self.augment.fake(fake)
                real_logits, fake_logits = self.discriminator(real_in), self.discriminator(fake_in)
                d_terms = {"d_loss": self.loss.d_loss(real_logits, fake_logits)}
                d_terms |= self.discriminator_penalties(real_in, fake_in, real_logits, fake_logits)
                grad_norm_d = self.optimize(opt_d, sum(d_terms.values()), self.discriminator, log_now)
                self.loss.after_discriminator_step(self.discriminator)
                self.augment.observe(real_logits.detach())

        with self.toggled_optimizer(opt_g):
            fake_logits_g = self.discriminator(self.augment.fake(self.generator(self.sample_latents(len(real)))))
            g_terms = {"g_loss": self.loss.g_loss(fake_logits_g)}
            for regularizer in self.regularizers:
                g_terms |= regularizer.g_terms(fake_logits_g)
            grad_norm_g = self.optimize(opt_g, sum(g_terms.values()), self.generator, log_now)

        if self.ema is not None:
            self.ema.update(self.generator, self.generator_steps)
        self.generator_steps += 1
        if log_now:
            self.log_step(d_terms | g_terms, real_logits, fake_logits, grad_norm_d, grad_norm_g)

    # ------------------------------------------------------------------ pieces of the step
    def sample_latents(self, n: int) -> Tensor:
        return torch.randn(n, self.generator.latent_dim, device=self.device)

    def discriminator_penalties(self, real: Tensor, fake: Tensor, real_logits: Tensor, fake_logits: Tensor) -> dict:
        terms = {}
        penalty = self.loss.penalty(self.discriminator, real, fake)
        if penalty is not None:
            terms["d_penalty"] = penalty
        for regularizer in self.regularizers:
            terms |= regularizer.d_terms(self.discriminator, real, fake, real_logits, fake_logits)
        return terms

    def optimize(self, optimizer, loss: Tensor, network: nn.Module, measure: bool) -> Tensor | None:
        """zero_grad → backward → (clip) → step. Returns the gradient norm before clipping when
        `measure` (logging steps; None otherwise, to keep the hot path free of extra reductions)."""
        optimizer.zero_grad(set_to_none=True)
        self.manual_backward(loss)
        grad_norm = None
        if measure:
            grads = [p.grad for p in network.parameters() if p.grad is not None]
            grad_norm = torch.nn.utils.get_total_norm(grads) if grads else None
        if self.grad_clip_norm is not None:
            self.clip_gradients(optimizer, gradient_clip_val=self.grad_clip_norm, gradient_clip_algorithm="norm")
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
        shown = {name: scalars.pop(name) for name in ("d_loss", "g_loss")}
        self.log_dict(shown, on_step=True, on_epoch=False, prog_bar=True)
        self.log_dict(scalars, on_step=True, on_epoch=False)

    # ------------------------------------------------------------------ optimizers, sampling, state
    def configure_optimizers(self):
        opt_g = instantiate(self.hparams.optimizer["generator"])(self.generator.parameters())
        opt_d = instantiate(self.hparams.optimizer["discriminator"])(self.discriminator.parameters())
        return [opt_g, opt_d]

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

    def on_save_checkpoint(self, checkpoint: dict) -> None:
        checkpoint["generator_steps"] = self.generator_steps

    def on_load_checkpoint(self, checkpoint: dict) -> None:
        self.generator_steps = checkpoint.get("generator_steps", 0)
