"""The one small web server of `run` (DESIGN §1, §13, §14): each feature adds its routes."""
