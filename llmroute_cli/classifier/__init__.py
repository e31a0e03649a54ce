"""The trained router: its model file as data (``model``), probabilities (``predict``), fitting (``fit``)."""
