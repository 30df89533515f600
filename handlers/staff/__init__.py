"""Staff flows (DESIGN §10): registered behind one staff check, refused to everyone else."""
