"""The GPU path's options — torch.compile, channels-last, bf16 autocast — checked on the CPU, where
every one of them also runs: a GPU only makes them fast."""

from __future__ import annotations

import pytest
import pytorch_lightning as pl
import torch
from torch._dynamo.utils import counters

from gan_lab.regularizers.gradient_penalty import gradient_penalty
from gan_lab.run import build_datamodule, build_module, train
from tests.dataset_files import allow_synthetic_cifar10, cifar_arrays, write_cifar10

GPU_PATH = [
    "loss=wgan_gp",
    "eval.enabled=false",
    "train.compile.enabled=true",
    "train.compile.backend=aot_eager",  # AOTAutograd, as inductor uses it, without a C++ build
    "train.channels_last=true",
    "trainer.precision=bf16-mixed",
]


def test_compiled_channels_last_bf16_wgan_gp_run_trains_and_checkpoints_as_eager_would(compose_cfg, tmp_path):
    torch._dynamo.reset()
    counters.clear()
    cfg = compose_cfg(*GPU_PATH)
    results = train(cfg)
    assert results["status"] == "completed" and results["steps"] == 4
    # the penalty's double backward ran (eagerly) beside the compiled forward passes
    assert results["metrics"]["gp"] > 0 and torch.isfinite(torch.tensor(results["metrics"]["d_loss"]))
    assert counters["stats"]["unique_graphs"] >= 2  # G and D went through torch.compile
    # a compiled run's checkpoint is an ordinary one: the same keys as an eager module's
    saved = torch.load(tmp_path / "run" / "checkpoints" / "last.ckpt", weights_only=True)["state_dict"]
    assert set(saved) == set(build_module(cfg, (1, 32, 32)).state_dict())


def test_compiled_forward_passes_compute_what_the_eager_networks_compute(compose_cfg):
    module = build_module(compose_cfg(*GPU_PATH), (1, 32, 32)).eval()
    module.setup("fit")
    latents = torch.randn(5, module.generator.latent_dim)
    images = module.generator(latents)
    torch.testing.assert_close(module.run_generator(latents), images)
    torch.testing.assert_close(module.run_discriminator(images), module.discriminator(images))


def test_channels_last_is_auto_on_cuda_and_the_cpu_for_convolutional_models_and_false_turns_it_off(compose_cfg):
    auto = build_module(compose_cfg("eval.enabled=false"), (1, 32, 32))
    auto.setup("fit")  # no trainer: the CPU, where NHWC measured 12-20 % faster (docs/benchmarks.md)
    assert auto.channels_last
    off = build_module(compose_cfg("train.channels_last=false"), (1, 32, 32))
    off.setup("fit")
    assert not off.channels_last
    forced = build_module(compose_cfg("train.channels_last=true"), (1, 32, 32))
    forced.setup("fit")
    conv_weights = [m.weight for m in forced.discriminator.modules() if isinstance(m, torch.nn.Conv2d)]
    assert conv_weights and all(w.is_contiguous(memory_format=torch.channels_last) for w in conv_weights)
    batch = forced.in_memory_format(torch.randn(4, 1, 32, 32))
    assert batch.is_contiguous(memory_format=torch.channels_last)
    mlp = build_module(compose_cfg("dataset=ring8", "train.channels_last=true"), (2,))
    mlp.setup("fit")
    assert not mlp.channels_last  # nothing to lay out for 2-D points


def test_channels_last_training_holds_the_in_memory_data_in_nhwc_so_no_batch_is_converted(compose_cfg, tmp_path, monkeypatch):
    """Three-channel data (CIFAR-10's own files, written here): the data module stores its training
    tensor channels-last once, at set-up, and every batch arrives in that layout, so the step's
    conversion copies nothing; the values are the NCHW data's."""
    allow_synthetic_cifar10(monkeypatch)
    write_cifar10(tmp_path / "cifar", cifar_arrays())
    data_options = ["dataset=cifar10", f"dataset.root={tmp_path / 'cifar'}", "eval.enabled=false"]
    cfg = compose_cfg(*data_options, "train.channels_last=true")
    datamodule = build_datamodule(cfg)
    module = build_module(cfg, datamodule.sample_shape)
    seen = []

    class BatchLayout(pl.Callback):
        def on_train_batch_start(self, trainer, pl_module, batch, batch_idx):
            seen.append((batch.stride(1) == 1, pl_module.in_memory_format(batch).data_ptr() == batch.data_ptr()))

    trainer = pl.Trainer(max_epochs=1, callbacks=[BatchLayout()], logger=False, enable_checkpointing=False,
                         enable_progress_bar=False, enable_model_summary=False)
    trainer.fit(module, datamodule=datamodule)
    data = datamodule.train_data
    assert data.shape[1] == 3 and data.stride(1) == 1 and data.is_contiguous(memory_format=torch.channels_last)
    assert seen and all(nhwc and no_copy for nhwc, no_copy in seen)
    nchw = build_datamodule(compose_cfg(*data_options, "train.channels_last=false"))
    nchw.setup("fit")
    assert nchw.train_data.is_contiguous() and torch.equal(nchw.train_data, data)


def test_a_bad_channels_last_value_names_the_key_and_the_allowed_values(compose_cfg):
    with pytest.raises(ValueError, match=r"train\.channels_last must be auto, true or false, got 'yes'"):
        build_module(compose_cfg("train.channels_last=yes"), (1, 32, 32))


def test_gradient_penalty_under_bf16_autocast_is_float32_and_close_to_the_fp32_value():
    torch.manual_seed(0)
    critic = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3), torch.nn.LeakyReLU(0.2), torch.nn.Flatten(),
                                 torch.nn.Linear(8 * 14 * 14, 1))  # fmt: skip
    real, fake = torch.randn(16, 3, 16, 16), torch.randn(16, 3, 16, 16)
    torch.manual_seed(1)
    fp32 = gradient_penalty(critic, real, fake)
    torch.manual_seed(1)  # the same interpolation weights ε
    with torch.autocast("cpu", dtype=torch.bfloat16):
        bf16 = gradient_penalty(critic, real, fake)
    assert bf16.dtype == torch.float32
    assert bf16.item() == pytest.approx(fp32.item(), rel=0.05)  # bf16 keeps ~3 significant digits
    bf16.backward()  # and it back-propagates into the critic's weights (biases do not move ∇_x D)
    weights = [critic[0].weight, critic[3].weight]
    assert all(w.grad is not None and torch.isfinite(w.grad).all() and w.grad.abs().sum() > 0 for w in weights)
