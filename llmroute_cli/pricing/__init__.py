"""Where tokens become dollars: price tables, LiteLLM price maps, exact per-request costs and sums."""
