"""Forewarn's settings: one pydantic-settings class, read from `FOREWARN_*` variables and `.env`.

Nothing happens at import. The defaults describe the embedded stack under one home folder
(`.forewarn/`): SQLite for Prefect and MLflow, a local folder as object store. Setting
`FOREWARN_S3_ENDPOINT` (and its credentials) moves the object store and MLflow's artifacts to
MinIO/S3; setting the database URLs moves Prefect and MLflow to PostgreSQL.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[1]


class Settings(BaseSettings):
    """Every knob of the platform, with embedded-stack defaults."""

    model_config = SettingsConfigDict(env_prefix="FOREWARN_", env_file=".env", extra="ignore")

    home: Path = Field(default=Path(".forewarn"), description="Folder holding all local state.")
    datasets_dir: Path = Field(
        default=PROJECT_ROOT / "datasets", description="Bundled datasets and their manifest."
    )
    host: str = "127.0.0.1"
    prefect_port: int = Field(default=4200, ge=1, le=65535)
    mlflow_port: int = Field(default=5000, ge=1, le=65535)
    api_port: int = Field(default=8000, ge=1, le=65535)

    s3_endpoint: str | None = Field(default=None, description="host:port of MinIO/S3.")
    s3_access_key: str | None = None
    s3_secret_key: SecretStr | None = None
    s3_bucket: str = Field(default="forewarn", min_length=3)
    s3_secure: bool = False
    s3_region: str = "us-east-1"

    prefect_database_url: str | None = None
    mlflow_database_url: str | None = None

    jwt_secret: SecretStr | None = Field(default=None, description="HS256 signing secret.")
    jwt_public_key: str | None = Field(default=None, description="RS256 public key (PEM).")
    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    rate_limits: dict[str, int] = Field(
        default={"basic": 100, "premium": 1000, "enterprise": 10000},
        description="Requests per minute by tier.",
    )
    redis_url: str | None = Field(default=None, description="Shared rate limits across replicas.")
    public_health: bool = True
    public_metrics: bool = True
    model_poll_seconds: float = Field(default=10.0, gt=0)
    batch_max_items: int = Field(default=1000, ge=1)
    # The single-prediction routes answered by `serving.fast_path` rather than through FastAPI.
    fast_predictions: bool = True
    upload_max_bytes: int = Field(default=100 * 1024 * 1024, ge=1)
    capture_batch_rows: int = Field(default=1000, ge=1)
    capture_flush_seconds: float = Field(default=5.0, gt=0)
    capture_buffer_rows: int = Field(default=100_000, ge=1)

    task_runner: Literal["threads", "dask"] = "threads"
    dask_address: str | None = Field(default=None, description="Dask scheduler; None = local.")
    max_workers: int = Field(default=4, ge=1)

    @field_validator("home", "datasets_dir")
    @classmethod
    def _absolute_home(cls, home: Path) -> Path:
        return home.expanduser().resolve()

    @property
    def uses_s3(self) -> bool:
        return self.s3_endpoint is not None

    @property
    def logs_dir(self) -> Path:
        return self.home / "logs"

    @property
    def store_dir(self) -> Path:
        """Root of the local object store (unused when S3 is configured)."""
        return self.home / "store"

    @property
    def api_keys_path(self) -> Path:
        """API keys, hashed (never the keys themselves)."""
        return self.home / "api-keys.json"

    @property
    def api_url(self) -> str:
        return f"http://{self.host}:{self.api_port}"

    @property
    def prefect_home(self) -> Path:
        return self.home / "prefect"

    @property
    def prefect_api_url(self) -> str:
        return f"http://{self.host}:{self.prefect_port}/api"

    @property
    def prefect_db_url(self) -> str:
        default = f"sqlite+aiosqlite:///{self.prefect_home / 'prefect.db'}"
        return self.prefect_database_url or default

    @property
    def mlflow_tracking_uri(self) -> str:
        return f"http://{self.host}:{self.mlflow_port}"

    @property
    def mlflow_backend_uri(self) -> str:
        return self.mlflow_database_url or f"sqlite:///{self.home / 'mlflow' / 'mlflow.db'}"

    @property
    def mlflow_artifacts_destination(self) -> str:
        """Where the MLflow server puts the artifacts it proxies: inside the object store."""
        if self.uses_s3:
            return f"s3://{self.s3_bucket}/mlflow-artifacts"
        return (self.store_dir / "mlflow-artifacts").as_uri()


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
