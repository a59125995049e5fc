"""``slrt up --postgres URL``: a production rehearsal on one machine.

Every service runs on PostgreSQL exactly as the Kubernetes manifests run it: the database prepared by
the in-cluster init script (deploy/k8s/postgres/init.yaml: an ordinary role, no superuser, owning one
schema per service), each service in its own schema, with the connection pool sizes of
deploy/k8s/base/config.yaml. Both files are read here, so the rehearsal cannot drift from them.

The URL names a role that may create roles and schemas (the superuser of a local server, e.g.
``postgresql://postgres@127.0.0.1:5432/slrt``); the services never use it.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

K8S = Path(__file__).resolve().parents[2] / "deploy" / "k8s"
CONFIG = K8S / "base" / "config.yaml"
INIT = K8S / "postgres" / "init.yaml"
# The settings of config.yaml that shape a pod's use of the database (the rest is Kubernetes' own).
POOL_SETTINGS = ("POSTGRES_POOL_SIZE", "POSTGRES_MAX_OVERFLOW")


def k8s_config() -> dict[str, str]:
    return yaml.safe_load(CONFIG.read_text())["data"]


def init_statements() -> list[str]:
    """The SQL of init.yaml's script (between ``<<'SQL'`` and ``SQL``), one statement each."""
    (script,) = yaml.safe_load(INIT.read_text())["data"].values()
    body = script.split("<<'SQL'\n", 1)[1].rsplit("\nSQL", 1)[0]
    lines = [ln for ln in body.splitlines() if not ln.strip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


def _bind(statement: str, variables: dict[str, str]) -> Any:
    """psql's ``:"name"`` (identifier) and ``:'name'`` (literal), quoted by psycopg as psql does."""
    from psycopg import sql

    parts: list[Any] = []
    for piece in re.split(r"""(:"\w+"|:'\w+')""", statement):
        if piece.startswith(':"'):
            parts.append(sql.Identifier(variables[piece[2:-1]]))
        elif piece.startswith(":'"):
            parts.append(sql.Literal(variables[piece[2:-1]]))
        else:
            parts.append(sql.SQL(piece))
    return sql.Composed(parts)


@dataclass
class PostgresRehearsal:
    url: str
    role: str = ""  # default: SLRT_POSTGRES_USER of config.yaml

    def prepare(self) -> dict[str, str]:
        """Create the database, the role and the schemas where missing (as the init script does on a
        first start; safe to repeat), give the role a fresh password, and return the services'
        shared settings."""
        import psycopg
        from psycopg.conninfo import conninfo_to_dict

        config = k8s_config()
        role = self.role or config["SLRT_POSTGRES_USER"]
        admin = conninfo_to_dict(self.url)
        dbname = str(admin.get("dbname") or config["SLRT_POSTGRES_DBNAME"])
        admin["dbname"] = dbname
        password = secrets.token_urlsafe(24)  # per start: the services get it from the launcher only
        with psycopg.connect(**{**admin, "dbname": "postgres"}, autocommit=True, connect_timeout=5) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,)).fetchone():
                conn.execute(_bind('CREATE DATABASE :"db"', {"db": dbname}))
        variables = {"app_user": role, "app_password": password, "dbname": dbname}
        with psycopg.connect(**admin, autocommit=True, connect_timeout=5) as conn:
            found = conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
            if found and found[0]:
                raise RuntimeError(f"role {role} is a superuser: the services run as an ordinary role")
            for statement in init_statements():
                if statement.startswith("CREATE ROLE") and found:
                    statement = 'ALTER ROLE :"app_user" LOGIN PASSWORD :\'app_password\''
                statement = statement.replace("CREATE SCHEMA ", "CREATE SCHEMA IF NOT EXISTS ", 1)
                conn.execute(_bind(statement, variables))
        return {
            "SLRT_PERSISTENCE": "postgres",
            "SLRT_POSTGRES_HOST": str(admin.get("host") or "127.0.0.1"),
            "SLRT_POSTGRES_PORT": str(admin.get("port") or 5432),
            "SLRT_POSTGRES_USER": role,
            "SLRT_POSTGRES_PASSWORD": password,
            "SLRT_POSTGRES_DBNAME": dbname,
            **{key: config[key] for key in POOL_SETTINGS},
        }

    @staticmethod
    def service_env(service: str) -> dict[str, str]:
        """One schema per service, as each Deployment sets it; the connections named after the
        service (pg_stat_activity.application_name)."""
        return {"SLRT_POSTGRES_SCHEMA": service, "PGAPPNAME": f"slrt-{service}"}


def connections_per_pod(service: str, config: dict[str, str]) -> int:
    """The most PostgreSQL connections one pod (one process) of a service opens, with the pool sizes
    of ``config`` (the ConfigMap slrt-config): its event store's pool, the outbox relay's position
    store, and dtks' registry or monitoring's read models (plus one short-lived connection with
    which monitoring switches read-model generations). README (deploy/k8s), "Connection budget"."""
    from slrt_dtks.adapters.registry.backend import REGISTRY_CONNECTIONS
    from slrt_monitoring.adapters.store import READ_MODEL_CONNECTIONS
    from slrt_runtime.outbox import RELAY_POSITION_CONNECTIONS

    events = int(config["POSTGRES_POOL_SIZE"]) + int(config["POSTGRES_MAX_OVERFLOW"])
    own = {"dtks": REGISTRY_CONNECTIONS, "monitoring": READ_MODEL_CONNECTIONS + 1}.get(service, 0)
    return events + RELAY_POSITION_CONNECTIONS + own
