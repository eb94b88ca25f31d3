"""MLflow's artifacts in S3: the tracking server proxies them into the bucket (moto here, MinIO
in production), and a registered model loads back through the server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from forewarn.families import get_family
from forewarn.settings import Settings
from forewarn.simulator import simulate
from forewarn.stack import Supervisor
from forewarn.stack.components import mlflow_component
from forewarn.storage import open_store
from forewarn.tracking import Registry
from support import free_port


@pytest.fixture
def s3_mlflow(tmp_path: Path, s3_server: str) -> Iterator[Settings]:
    """An MLflow server whose artifacts go to a bucket of the moto S3 server."""
    settings = Settings(
        home=tmp_path,
        mlflow_port=free_port(),
        s3_endpoint=s3_server,
        s3_access_key="test",
        s3_secret_key="testsecret",
        s3_bucket="mlflow-on-s3",
    )
    open_store(settings).prepare()
    with Supervisor(settings, [mlflow_component(settings)]):
        yield settings


def test_models_logged_through_the_server_land_in_the_bucket(s3_mlflow: Settings) -> None:
    family = get_family("bottleneck")
    result = family.train(simulate(systems=3, days=5, seed=0), {"rounds": 30})
    registry = Registry(s3_mlflow)

    logged = registry.log_training(
        result.model,
        experiment="s3-check",
        run_name="s3",
        tags={},
        params={},
        metrics={"roc_auc": 0.9},
        figures={},
    )

    keys = open_store(s3_mlflow).list("mlflow-artifacts/")
    assert any(key.endswith("artifacts/model/event.ubj") for key in keys), keys
    assert not (s3_mlflow.store_dir / "mlflow-artifacts").exists()
    loaded = registry.load("bottleneck", logged.version)
    features = result.evaluation.test.features[:50]
    assert (loaded.probability(features) == result.model.probability(features)).all()
