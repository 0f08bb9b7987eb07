"""The HTTP API: thin routers over the application service."""
