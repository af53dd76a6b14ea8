"""Files: atomic writes and folder locks, checkpoints, posterior files (arviz), figures."""
