from torch import Tensor

from gan_lab.augmentations.base import Augmentation


class NoAugmentation(Augmentation):
    """D sees the batches as they are."""

    def forward(self, images: Tensor) -> Tensor:
        return images
