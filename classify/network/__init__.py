"""The trained network: the transformer classifier over a model directory, and classifiers by name."""
