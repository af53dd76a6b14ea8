"""Likelihood terms (one class per form), scenarios built from the specs, the global likelihood."""
