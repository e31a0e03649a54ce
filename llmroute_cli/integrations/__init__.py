"""Running a simulated policy on live traffic: LiteLLM's router and proxy, OpenRouter's request fields."""
