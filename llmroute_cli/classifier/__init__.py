"""The trained router: a model file as data (``model``), its features and probabilities (``predict``), fitting (``fit``)."""
