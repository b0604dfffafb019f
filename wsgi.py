"""WSGI entry point: ``gunicorn wsgi:app``."""

from daservice import create_app

app = create_app()
