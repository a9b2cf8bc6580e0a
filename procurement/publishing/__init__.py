"""Publishing: the best-practice site built from the registry (static files, no server code)."""
