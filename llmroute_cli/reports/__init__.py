"""Reports as plain data: simulate, diff, sweep, golden cases and one request's quote."""
