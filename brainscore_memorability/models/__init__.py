"""Models: ImageNet-, LaMem- and jointly-trained networks as Brain-Score models."""
