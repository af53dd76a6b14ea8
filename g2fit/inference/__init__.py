"""Engines on a likelihood: fits and profiles (iminuit), sampling (emcee), exclusion, planes."""
