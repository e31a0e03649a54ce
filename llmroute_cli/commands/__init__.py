"""One module per command; each is a thin adapter over the core."""
