"""The offline demo: a seeded shop, the sandbox and the real bot in one terminal chat."""
