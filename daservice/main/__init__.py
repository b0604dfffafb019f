"""The home page, navigation and the health check."""
