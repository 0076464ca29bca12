"""Evaluation metrics: feature backbones, FID/KID through torchmetrics, precision/recall, density/coverage, mode coverage."""
