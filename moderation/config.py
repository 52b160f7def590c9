"""Configuration: every setting, its type, default and meaning, in one table.

Defaults give the embedded mode (SQLite and a filesystem broker in the instance
folder); environment variables of the same name override them; a mapping passed
to ``create_app(config=...)`` overrides both (tests use that, not ``os.environ``).
The README's configuration table is generated from ``SETTINGS`` by
``moderation config --markdown``, so the two cannot drift apart.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

from .webhooks.schedule import DEFAULT_SCHEDULE, parse_schedule


def _schedule(value: str) -> str:
    parse_schedule(value)  # refuse a bad value at start-up, keep the text (env-friendly)
    return value


def _bool(value: str) -> bool:
    if value.strip().lower() in {"1", "true", "yes", "on"}:
        return True
    if value.strip().lower() in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"not a boolean: {value!r}")


def _list(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


@dataclass(frozen=True)
class Setting:
    name: str
    parse: Callable[[str], Any]
    default: Any
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("DATABASE_URL", str, None,
            "SQLAlchemy URL of the database. Default: SQLite file `moderation.sqlite3` in the "
            "instance folder. Production: `postgresql+psycopg://user:pass@host/db`."),
    Setting("CELERY_BROKER_URL", str, None,
            "Celery broker URL. Default: `REDIS_URL` if set, else the filesystem transport in "
            "the instance folder (embedded mode, no server needed)."),
    Setting("REDIS_URL", str, None,
            "Redis URL, used as the broker when `CELERY_BROKER_URL` is not set."),
    Setting("SECRET_KEY", str, None,
            "Secret for signing tokens. Default: generated once and kept in "
            "`instance/secret_key`. Set it explicitly in production (all processes must share it)."),
    Setting("INSTANCE_PATH", str, None,
            "Folder for the embedded database, broker and secret. Default: `./instance`."),
    Setting("TRUSTED_PROXY_COUNT", int, 0,
            "Number of reverse proxies in front of the service whose `X-Forwarded-*` headers are "
            "trusted (0 = use the socket address)."),
    Setting("MAX_CONTENT_LENGTH", int, 262_144,
            "Largest request body accepted, in bytes (larger: 413)."),
    Setting("LIMIT_NAME", int, 245, "Longest author name, in characters (WordPress: 245)."),
    Setting("LIMIT_EMAIL", int, 100, "Longest author email (WordPress: 100)."),
    Setting("LIMIT_URL", int, 200, "Longest author URL (WordPress: 200)."),
    Setting("LIMIT_BODY", int, 65_525, "Longest comment body, in characters (WordPress: 65,525)."),
    Setting("EMAIL_CHECK_DELIVERABILITY", _bool, False,
            "Check the email's domain in DNS (MX records) when accepting a comment."),
    Setting("PENDING_SWEEP_AFTER", float, 60.0,
            "Seconds a comment may stay `pending` before the sweeper sends its checks again."),
    Setting("SWEEP_INTERVAL", float, 30.0, "Seconds between two runs of the pending sweeper."),
    Setting("CHECK_BATCH_SIZE", int, 50,
            "Most comments a worker process decides in one transaction. The worker also "
            "prefetches this many messages per process (`worker_prefetch_multiplier`)."),
    Setting("CHECK_BATCH_WAIT", float, 0.05,
            "Seconds a worker gathers comments into a batch before deciding the ones it has."),
    Setting("ACCEPT_BATCH_MAX", int, 32,
            "Most comments a web process stores with one statement and announces with one "
            "message (group commit: comments that arrive while the process's inserts are busy "
            "share the next; only with threaded web workers, e.g. gunicorn `gthread`). "
            "1 turns it off."),
    Setting("SITE_CACHE_SECONDS", float, 5.0,
            "How long a web process caches a site and its key hashes (a revoked key stops "
            "working within this time). 0 disables the cache."),
    Setting("FLOOD_WINDOW_SECONDS", float, 600.0,
            "Window in which comments from one IP address or one email are counted for the "
            "flood checks (the limits are per-site policy settings)."),
    Setting("DUPLICATE_WINDOW_SECONDS", float, 86_400.0,
            "Window in which the same or nearly the same text on other threads or sites counts "
            "as a duplicate."),
    Setting("EXTRA_CHECKS", _list, [],
            "Comma-separated `module:function` paths of additional check functions to run "
            "after the built-in ones."),
    Setting("BROKER_POLLING_INTERVAL", float, 0.2,
            "Seconds between polls of the embedded filesystem broker."),
    Setting("SESSION_COOKIE_SECURE", _bool, True,
            "Send the moderators' session cookie over HTTPS only (HttpOnly and SameSite=Lax "
            "always). Turn off only for a local http:// setup."),
    Setting("MODERATOR_SESSION_HOURS", float, 12.0,
            "How long a moderator's login session lasts."),
    Setting("REPORT_THRESHOLD", int, 3,
            "Reader reports that move a published comment to the `reported` queue (a site's "
            "own setting overrides it; 0 = never)."),
    Setting("REPORT_RATE_LIMIT", int, 10,
            "Reports one reader (IP) may send to one site per `REPORT_RATE_WINDOW` (then 429)."),
    Setting("REPORT_RATE_WINDOW", int, 600, "Seconds of the report rate-limit window."),
    Setting("LOGIN_RATE_LIMIT", int, 10,
            "Moderator login attempts one IP may make per `LOGIN_RATE_WINDOW` (then 429)."),
    Setting("LOGIN_RATE_WINDOW", int, 300, "Seconds of the login rate-limit window."),
    Setting("RATE_LIMIT_STORAGE", str, None,
            "Where rate-limit counters live: a `redis://` URL, or `memory://` (per process). "
            "Default: `REDIS_URL` or a Redis broker URL if there is one, else memory."),
    Setting("LEARN_MIN_EXAMPLES", int, 3,
            "Moderator decisions a term needs before it becomes a learned block/allow pattern."),
    Setting("LEARN_RATIO", float, 3.0,
            "How much likelier under one label than the other a learned term must be."),
    Setting("WEBHOOK_ALLOWED_NETWORKS", _list, [],
            "Comma-separated CIDR networks webhooks may be sent to even though they are "
            "private, loopback, link-local or reserved (e.g. `127.0.0.0/8,::1/128` for tests). "
            "Cloud metadata addresses stay refused."),
    Setting("WEBHOOK_ALLOW_HTTP", _bool, False,
            "Accept `http://` webhook URLs (default: `https://` only)."),
    Setting("WEBHOOK_TIMEOUT", float, 15.0,
            "Seconds one webhook attempt may take, connection to last byte read."),
    Setting("WEBHOOK_MAX_RESPONSE_BYTES", int, 4096,
            "Bytes of a receiver's response read (its start is kept in the delivery log); the "
            "rest is not read."),
    Setting("WEBHOOK_RETRY_SCHEDULE", _schedule, ",".join(f"{d:g}" for d in DEFAULT_SCHEDULE),
            "Comma-separated seconds to wait after the 1st, 2nd, ... failed attempt; the last "
            "repeats. Default: the Standard Webhooks schedule `5,300,1800,7200,18000,36000`."),
    Setting("WEBHOOK_RETRY_JITTER", float, 0.1,
            "Relative random spread of each retry delay (0.1 = +/-10%)."),
    Setting("WEBHOOK_MAX_ATTEMPTS", int, 12,
            "Attempts per message before it is marked failed (12 = about 3 days on the "
            "default schedule). Failed messages can be redelivered through the API."),
    Setting("WEBHOOK_DISABLE_AFTER", float, 5 * 86400.0,
            "Seconds an endpoint may fail without a single success before it is disabled "
            "(its state shows `disabled_reason: failing`, and an `endpoint.disabled` event goes "
            "to the site's other endpoints)."),
    Setting("WEBHOOK_SECRET_OVERLAP", float, 86400.0,
            "Seconds the previous secret keeps signing (next to the new one) after a rotation."),
    Setting("WEBHOOK_SWEEP_INTERVAL", float, 60.0,
            "Seconds between two runs of the sweeper that re-sends due webhook messages whose "
            "task was lost."),
)

SETTING_NAMES = frozenset(setting.name for setting in SETTINGS)


def load_config(environ: Mapping[str, str], overrides: Mapping[str, Any] | None = None) -> dict:
    """Return the effective configuration: defaults < environment < overrides."""
    config: dict[str, Any] = {}
    for setting in SETTINGS:
        value = setting.default
        raw = environ.get(setting.name)
        if raw is not None and raw != "":
            try:
                value = setting.parse(raw)
            except ValueError as exc:
                raise ValueError(f"{setting.name}: {exc}") from exc
        config[setting.name] = value
    for key, value in (overrides or {}).items():
        config[key] = value
    return config


def resolve_embedded_defaults(config: dict) -> dict:
    """Fill the settings whose defaults live in the instance folder."""
    instance = Path(config.get("INSTANCE_PATH") or Path.cwd() / "instance").resolve()
    config["INSTANCE_PATH"] = str(instance)
    if not config.get("DATABASE_URL"):
        instance.mkdir(parents=True, exist_ok=True)
        config["DATABASE_URL"] = f"sqlite:///{instance / 'moderation.sqlite3'}"
    if not config.get("CELERY_BROKER_URL"):
        config["CELERY_BROKER_URL"] = config.get("REDIS_URL") or "filesystem://localhost/"
    if not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = _instance_secret(instance)
    return config


def _instance_secret(instance: Path) -> str:
    """A secret generated once per instance folder, so the web and worker agree on it."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    key = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process of this instance won the race
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def settings_markdown() -> str:
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for setting in SETTINGS:
        default = setting.default
        shown = "—" if default is None or default == [] else f"`{default}`"
        rows.append(f"| `{setting.name}` | {shown} | {setting.help} |")
    return "\n".join(rows)
