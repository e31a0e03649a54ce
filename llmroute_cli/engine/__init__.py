"""Evaluating a policy: operators, conditions on one request or a frame of many, and the router."""
