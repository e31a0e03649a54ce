"""Training a router offline on labeled logs and judging it on held-out queries (uses the ``classifier`` room)."""
