"""The WSGI entrypoint for production: ``gunicorn wsgi:app``."""

from moderation import create_app

app = create_app()
