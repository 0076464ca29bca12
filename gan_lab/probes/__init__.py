"""Probes (config group `probe`): tests of a trained G and D under noisy, missing, changed or
adversarial inputs. Each is one class and one YAML (`conf/probe/<name>.yaml`, its levels and knobs);
several compose as a list, `probe=[latent_noise,d_attack]`, run at the end of training and by
`python -m gan_lab.evaluate ckpt=PATH 'probe=[...]'`."""

from gan_lab.probes.base import Probe, ProbeTarget, build_probes, level_key, run_probes
from gan_lab.probes.d_attack import DiscriminatorAttack, attack_discriminator
from gan_lab.probes.d_overfit import DiscriminatorOverfitting, mann_whitney_auc
from gan_lab.probes.g_attack import GeneratorAttack
from gan_lab.probes.latent_dropout import LatentDropout
from gan_lab.probes.latent_noise import LatentNoise
from gan_lab.probes.latent_scale import LatentScale
from gan_lab.probes.path_length import PathLength

__all__ = [
    "Probe",
    "ProbeTarget",
    "build_probes",
    "level_key",
    "run_probes",
    "DiscriminatorAttack",
    "attack_discriminator",
    "DiscriminatorOverfitting",
    "mann_whitney_auc",
    "GeneratorAttack",
    "LatentDropout",
    "LatentNoise",
    "LatentScale",
    "PathLength",
]
