"""The one small web server of `run` (DESIGN §1, §13): Telegram's webhook, the ingest API,
/healthz and /metrics on BACKORDER_LISTEN."""
