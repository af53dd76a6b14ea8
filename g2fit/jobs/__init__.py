"""One module per command: run it, return a typed result, write its files."""
