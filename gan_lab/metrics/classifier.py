"""The domain classifier: a small CNN trained on the dataset's own training split, whose
penultimate layer is the default feature space for FID and friends on datasets with labels."""

from __future__ import annotations

import hashlib
import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn

ARCHITECTURE_VERSION = 2  # bump when the network or its training changes: invalidates cached (and bundled) classifiers
# 2 (2026-12-06): trained on one thread, so the network no longer depends on the caller's thread count

# Classifiers for the embedded datasets' default settings, trained by this module and shipped with the
# package (`python scripts/bundle_classifiers.py --write`; what, where and on what: its manifest.json), so
# that a first run does not spend half a minute training one. Found by the cache's key and this machine's
# kernels (`bundled_name`): only where this machine would train the very same network.
BUNDLED_DIR = Path(__file__).with_name("classifiers")


def kernel_kind() -> str:
    """This machine's torch release and ATen CPU capability, e.g. `torch2.14.1-AVX2`: float32 kernels
    round differently from one to another, and training amplifies it (docs/evaluation.md)."""
    return f"torch{torch.__version__.split('+')[0]}-{torch.backends.cpu.get_cpu_capability()}"


def bundled_name(cache_name: str) -> str:
    """The bundled file that stands for the cache file `cache_name` on this machine: named after the
    kernels it was trained with, so a machine that would train another network trains it, as without a
    bundle."""
    return f"{cache_name.removesuffix('.pt')}-{kernel_kind()}.pt"


class DomainClassifier(nn.Module):
    """conv(16)-pool-conv(32)-pool-conv(64)-global average pool → fc(128) → fc(classes).

    `features(x)` is the 128-d penultimate activation (after ReLU); `forward(x)` the class logits.
    Works for any input size ≥ 8×8 and 1 or 3 channels.
    """

    num_features = 128

    def __init__(self, in_channels: int, num_classes: int):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(in_channels, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
            nn.Linear(64, self.num_features), nn.ReLU(),
        )  # fmt: skip
        self.head = nn.Linear(self.num_features, num_classes)

    def features(self, x: Tensor) -> Tensor:
        return self.body(x)

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.body(x))


@dataclass
class TrainedClassifier:
    network: DomainClassifier
    heldout_accuracy: float
    path: Path


def _hash_tensors(digest, tensors) -> str:
    for t in tensors:
        digest.update(t.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


def data_digest(*tensors: Tensor) -> str:
    """SHA-1 of the tensors' bytes: whether two machines prepared the same data, bit for bit."""
    return _hash_tensors(hashlib.sha1(), tensors)


def _fingerprint(*tensors: Tensor, **settings) -> str:
    return _hash_tensors(hashlib.sha1(repr((ARCHITECTURE_VERSION, sorted(settings.items()))).encode()), tensors)[:16]


def load_classifier(path: Path, network: DomainClassifier) -> TrainedClassifier:
    """`network` with the weights saved at `path` (a cache or bundle file), in eval mode."""
    saved = torch.load(path, map_location="cpu", weights_only=True)
    network.load_state_dict(saved["state_dict"])
    return TrainedClassifier(network.eval(), float(saved["heldout_accuracy"]), path)


def _random_shift(x: Tensor, max_shift: int, generator: torch.Generator) -> Tensor:
    """Translate each image by up to ±max_shift pixels (padding with the background value -1)."""
    padded = F.pad(x, [max_shift] * 4, value=-1.0)
    h, w = x.shape[-2:]
    dx, dy = torch.randint(0, 2 * max_shift + 1, (2,), generator=generator).tolist()
    return padded[..., dy : dy + h, dx : dx + w]


def train_classifier(
    train: Tensor,
    train_labels: Tensor,
    heldout: Tensor,
    heldout_labels: Tensor,
    cache_dir: str | Path,
    seed: int = 0,
    steps: int = 800,
    batch_size: int = 64,
    bundled: bool = True,
) -> TrainedClassifier:
    """Train (or load from `cache_dir`, or from the classifiers bundled with the package) the
    classifier for this data.

    Deterministic for given data and seed (CPU, fixed generator, one thread: a parallel reduction
    sums in an order that depends on the thread count, and a run alone and a sweep member must
    score with the same network); the cache key is a hash of the training and held-out tensors, the
    seed and the training settings, so every run and every sweep member on the same data reuses one
    network. Written atomically. `bundled=False` ignores `BUNDLED_DIR` (to train the bundle).
    """
    num_classes = int(max(train_labels.max(), heldout_labels.max())) + 1
    key = _fingerprint(train, train_labels, heldout, heldout_labels, seed=seed, steps=steps, batch_size=batch_size)
    path = Path(cache_dir) / f"classifier-{key}.pt"
    network = DomainClassifier(train.shape[1], num_classes)
    for saved_at in (path, BUNDLED_DIR / bundled_name(path.name)) if bundled else (path,):
        if saved_at.is_file():
            return load_classifier(saved_at, network)

    generator = torch.Generator().manual_seed(seed)
    with torch.random.fork_rng(devices=[]), torch.enable_grad(), one_thread():  # callers may be scoring under no_grad
        torch.manual_seed(seed)
        network = DomainClassifier(train.shape[1], num_classes)
        optimizer = torch.optim.Adam(network.parameters(), lr=1e-3)
        schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=2e-3, total_steps=steps)
        train, train_labels = train.float().cpu(), train_labels.long().cpu()
        network.train()
        for _ in range(steps):
            index = torch.randint(0, len(train), (batch_size,), generator=generator)
            images = _random_shift(train[index], 2, generator)
            loss = F.cross_entropy(network(images), train_labels[index])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
    network.eval()
    accuracy = classify(network, heldout).eq(heldout_labels.cpu()).float().mean().item()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    torch.save({"state_dict": network.state_dict(), "heldout_accuracy": accuracy, "num_classes": num_classes}, tmp)
    os.replace(tmp, path)
    return TrainedClassifier(network, accuracy, path)


@contextmanager
def one_thread():
    """torch on one intra-op thread inside the block; the caller's count is restored after."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


@torch.no_grad()
def classify(network: DomainClassifier, images: Tensor, batch_size: int = 1000) -> Tensor:
    """Predicted class of each image."""
    return torch.cat([network(chunk.float()).argmax(1) for chunk in images.split(batch_size)])
