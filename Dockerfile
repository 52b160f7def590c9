# Production image: gunicorn serves the API; the same image runs workers and beat:
#   docker run IMAGE                                   -> web (gunicorn wsgi:app)
#   docker run IMAGE celery -A workers worker -Q checks,webhooks,maintenance
#   docker run IMAGE celery -A workers beat
#   docker run IMAGE moderation db upgrade
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    INSTANCE_PATH=/var/lib/moderation

WORKDIR /app
COPY pyproject.toml README.md wsgi.py ./
COPY moderation ./moderation
COPY workers ./workers
RUN pip install . \
    && useradd --system --home-dir /var/lib/moderation --create-home moderation
USER moderation

EXPOSE 8000
# gthread workers keep connections alive; tune with GUNICORN_CMD_ARGS or WEB_CONCURRENCY.
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--worker-class", "gthread", "--threads", "4", \
     "--access-logfile", "-", "wsgi:app"]
