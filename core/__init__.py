"""The service's own pages: home, language switch and health check."""
