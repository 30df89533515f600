"""A local stand-in for the Telegram Bot API server (demo, end-to-end tests, benchmarks)."""
