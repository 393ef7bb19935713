"""docker-compose.yml and the README's promises, checked by reading the files (no Docker here)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from bot.config import Config

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
APP_VARS = {
    "DATABASE_URL",
    "REDIS_URL",
    "RASA_URL",
    "TWILIO_ACCOUNT_SID",
    "TWILIO_AUTH_TOKEN",
    "TWILIO_FROM",
    "TWILIO_API_URL",
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_WEBHOOK_SECRET",
    "TELEGRAM_API_URL",
    "PUBLIC_BASE_URL",
    "SECRET_KEY",
    "DATA_KEYS",
    "PHONE_HASH_KEY",
    "REQUIRE_DATA_KEYS",
}


def test_compose_has_every_service_with_a_health_check():
    assert {"web", "worker", "send-worker", "postgres", "redis", "rasa", "migrate"} <= set(SERVICES)
    for name in ("web", "worker", "send-worker", "postgres", "redis", "rasa"):
        assert SERVICES[name]["healthcheck"]["test"], name


def test_compose_images_and_commands():
    assert SERVICES["postgres"]["image"].startswith("postgres:")
    assert SERVICES["redis"]["image"].startswith("redis:")
    assert "--appendonly" in SERVICES["redis"]["command"]  # scheduled jobs survive a restart
    assert "gunicorn" in SERVICES["web"]["command"] and "bot.asgi:create_app()" in SERVICES["web"]["command"]
    assert SERVICES["worker"]["command"] == ["python", "-m", "worker"]
    assert SERVICES["send-worker"]["command"][:5] == ["python", "-m", "worker", "--queues", "send"]
    rasa_dockerfile = (ROOT / SERVICES["rasa"]["build"]["dockerfile"]).read_text()
    assert re.search(r"^FROM rasa/rasa:3\.6\.21\b", rasa_dockerfile, re.M)
    assert "--enable-api" in SERVICES["rasa"]["command"]


def test_web_and_worker_get_every_variable_and_wait_for_their_dependencies():
    for name in ("web", "worker", "send-worker", "migrate"):
        assert APP_VARS <= set(SERVICES[name]["environment"]), name
    env = SERVICES["web"]["environment"]
    assert env["REDIS_URL"] == "redis://redis:6379/0" and env["RASA_URL"] == "http://rasa:5005"
    assert env["DATABASE_URL"].startswith("postgresql+psycopg://") and "@postgres:5432/" in env["DATABASE_URL"]
    assert SERVICES["web"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert SERVICES["worker"]["depends_on"]["redis"]["condition"] == "service_healthy"
    assert SERVICES["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_a_deployment_needs_its_data_keys_as_secrets_never_committed_values():
    env = SERVICES["web"]["environment"]
    assert env["DATA_KEYS"].startswith("${DATA_KEYS:?") and env["PHONE_HASH_KEY"].startswith("${PHONE_HASH_KEY:?")
    assert env["REQUIRE_DATA_KEYS"] == "1"
    assert re.search(r"^ENV .*\bREQUIRE_DATA_KEYS=1\b", (ROOT / "Dockerfile").read_text(), re.M)


def test_readme_documents_every_environment_variable_the_config_reads():
    source = (ROOT / "bot" / "config.py").read_text()
    read = set(re.findall(r'get\("([A-Z_]+)"\)', source))
    readme = (ROOT / "README.md").read_text()
    assert APP_VARS <= read
    missing = sorted(v for v in read if f"`{v}`" not in readme)
    assert missing == []
    assert "make run" in readme and "make test" in readme


def test_config_defaults_match_the_readme():
    cfg = Config.from_env({})
    readme = (ROOT / "README.md").read_text()
    assert cfg.timezone in readme and "var/jsc.db" in readme


def test_gunicorn_as_shipped_suits_io_bound_requests_and_has_no_control_socket():
    settings: dict = {}
    exec((ROOT / "gunicorn.conf.py").read_text(), settings)  # noqa: S102 - our own config file
    assert settings["worker_class"] == "uvicorn_worker.UvicornWorker" and settings["workers"] >= 2
    assert settings["threads"] >= 4  # the Flask app's threads (bot.asgi reads WEB_THREADS)
    assert settings["control_socket_disable"] is True
    for command in (SERVICES["web"]["command"], (ROOT / "Dockerfile").read_text()):
        assert "gunicorn.conf.py" in str(command) and "bot.asgi:create_app()" in str(command)


def test_a_buffering_proxy_is_the_way_in_and_web_is_not_published():
    proxy = SERVICES["proxy"]
    assert proxy["image"].startswith("nginx:") and proxy["ports"] == ["127.0.0.1:8000:8080"]
    assert "ports" not in SERVICES["web"] and proxy["healthcheck"]["test"]
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    assert "./deploy/nginx.conf:/etc/nginx/nginx.conf:ro" in proxy["volumes"]
    assert re.search(r"^\s*proxy_request_buffering on;", conf, re.M)
    assert re.search(r"^\s*client_body_timeout \d+s;", conf, re.M)
    assert re.search(r"^\s*server web:8000;", conf, re.M)


def test_web_and_worker_share_the_spool_volume():
    for name in ("web", "worker"):
        assert "spool:/app/var/spool" in SERVICES[name]["volumes"], name
    assert "spool" in COMPOSE["volumes"]
