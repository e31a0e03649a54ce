"""The one read-and-route loop over logs, and the running totals it keeps."""
