"""Routing quality from outcome labels, RouteLLM's curve metrics, and the offline judge loop."""
