"""The one small web server of `run` (DESIGN §1, §13, §14): Telegram's webhook, the ingest API,
Shopify's webhooks, /healthz and /metrics on BACKORDER_LISTEN; each feature adds its routes."""
