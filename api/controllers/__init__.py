"""Route handlers: thin, one domain call each."""
