"""The HTTP API: routers per topic (api/routes), their typed dependencies (api/deps.py), and the
error shape and middleware every answer passes through."""
