"""Configuration parsing and the ``moderation`` command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from moderation.config import SETTINGS, load_config, resolve_embedded_defaults, settings_markdown


@pytest.mark.parametrize("environ, name, expected", [
    ({}, "LIMIT_BODY", 65_525),
    ({"LIMIT_BODY": "1000"}, "LIMIT_BODY", 1000),
    ({"EMAIL_CHECK_DELIVERABILITY": "yes"}, "EMAIL_CHECK_DELIVERABILITY", True),
    ({"EMAIL_CHECK_DELIVERABILITY": "0"}, "EMAIL_CHECK_DELIVERABILITY", False),
    ({"TRUSTED_PROXY_COUNT": "2"}, "TRUSTED_PROXY_COUNT", 2),
    ({"EXTRA_CHECKS": "a.b:c, d.e:f"}, "EXTRA_CHECKS", ["a.b:c", "d.e:f"]),
    ({"LIMIT_NAME": ""}, "LIMIT_NAME", 245),
])
def test_environment_overrides_defaults(environ, name, expected):
    assert load_config(environ)[name] == expected


def test_overrides_beat_the_environment():
    assert load_config({"LIMIT_URL": "10"}, {"LIMIT_URL": 20})["LIMIT_URL"] == 20


@pytest.mark.parametrize("environ", [{"LIMIT_BODY": "many"}, {"EMAIL_CHECK_DELIVERABILITY": "perhaps"}])
def test_bad_values_name_the_variable(environ):
    with pytest.raises(ValueError, match=next(iter(environ))):
        load_config(environ)


def test_embedded_defaults_live_in_the_instance_folder(tmp_path):
    config = resolve_embedded_defaults(load_config({}, {"INSTANCE_PATH": str(tmp_path)}))
    assert config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'moderation.sqlite3'}"
    assert config["CELERY_BROKER_URL"].startswith("filesystem://")
    again = resolve_embedded_defaults(load_config({}, {"INSTANCE_PATH": str(tmp_path)}))
    assert config["SECRET_KEY"] == again["SECRET_KEY"] and len(config["SECRET_KEY"]) > 40
    assert oct((tmp_path / "secret_key").stat().st_mode)[-3:] == "600"
    redis = resolve_embedded_defaults(load_config({"REDIS_URL": "redis://r:6379/1"},
                                                  {"INSTANCE_PATH": str(tmp_path)}))
    assert redis["CELERY_BROKER_URL"] == "redis://r:6379/1"


def test_every_setting_is_in_the_readme():
    readme = (os.path.dirname(__file__) + "/../README.md")
    text = open(readme, encoding="utf-8").read()
    missing = [s.name for s in SETTINGS if f"`{s.name}`" not in text]
    assert not missing, f"settings missing from README.md: {missing}"
    assert settings_markdown().count("\n") == len(SETTINGS) + 1


def run_cli(config: dict, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, **{k: str(v) for k, v in config.items()
                            if k in {s.name for s in SETTINGS}}}
    return subprocess.run([sys.executable, "-m", "moderation.cli", *args], env=env,
                          capture_output=True, text=True, timeout=60)


def test_sites_create_prints_a_working_key_once(app, config, client, db):
    result = run_cli(config, "sites", "create", "daily-news", "--name", "الأخبار اليومية",
                     "--origin", "https://Daily.Example:443/x", "--json")
    assert result.returncode == 0, result.stderr
    created = json.loads(result.stdout)
    assert created["slug"] == "daily-news" and created["allowed_origins"] == ["https://daily.example"]
    assert created["key"].startswith("msk_")
    response = client.post("/api/v1/sites/daily-news/comments", headers={
        "Authorization": f"Bearer {created['key']}"}, json={
        "thread": {"id": "1"}, "author": {"name": "x", "email": "x@example.com"}, "body": "hi"})
    assert response.status_code == 202
    listed = run_cli(config, "sites", "list")
    assert "daily-news" in listed.stdout and created["key"] not in listed.stdout

    duplicate = run_cli(config, "sites", "create", "daily-news", "--name", "again")
    assert duplicate.returncode != 0 and "already exists" in duplicate.stderr
    bad = run_cli(config, "sites", "create", "Bad Slug", "--name", "x")
    assert bad.returncode != 0 and "slug" in bad.stderr


def test_config_command_hides_secrets(config):
    result = run_cli({**config, "DATABASE_URL": "postgresql://user:hunter2@db/x"}, "config")
    assert result.returncode == 0, result.stderr
    assert "hunter2" not in result.stdout and "SECRET_KEY=(set)" in result.stdout
    assert "user:***@db/x" in result.stdout


def test_score_command_is_part_of_the_moderation_cli(tmp_path):
    lines = '{"id": 1, "text": "مقال ممتاز، شكرا"}\n{"id": 2, "text": "يا حمار يا ابن الكلب"}\n'
    result = subprocess.run([sys.executable, "-m", "moderation.cli", "score"], input=lines,
                            capture_output=True, text=True, timeout=60,
                            env={**os.environ, "INSTANCE_PATH": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert (first["id"], first["decision"]) == (1, "publish")
    assert second["id"] == 2 and second["decision"] in ("hold", "reject")
    assert second["reasons"] and second["language"] == "ar"
