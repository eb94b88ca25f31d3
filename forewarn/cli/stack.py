"""`forewarn up`, `demo` and `status`: run the embedded stack, bootstrap it, report on it."""

from __future__ import annotations

import signal
import time
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer

from forewarn.cli.common import console, fail, use_stack
from forewarn.cli.examples import bootstrap_key, example_curl
from forewarn.cli.summary import MetricsRow, champion_rows, metrics_table
from forewarn.settings import Settings, get_settings
from forewarn.stack import (
    PortInUseError,
    StackError,
    Supervisor,
    api_component,
    find_running_stack,
    flow_runner_component,
    run_until_signal,
    server_components,
)

if TYPE_CHECKING:
    from prefect.client.schemas.objects import FlowRun

BOOTSTRAP_DEPLOYMENT = "pipeline/pipeline"


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def _start(supervisor: Supervisor, settings: Settings) -> None:
    """Prepare the object store (MLflow writes artifacts into it), then start the children."""
    from forewarn.storage import open_store

    open_store(settings).prepare()
    supervisor.start()


def _print_urls(urls: dict[str, str]) -> None:
    for name, url in urls.items():
        console.print(f"  [bold]{name}[/bold]: {url}")


def up(
    bootstrap: Annotated[bool, typer.Option(help="Train the first models if none serve.")] = True,
) -> None:
    """Start Prefect, MLflow and the flow runner; bootstrap; run until Ctrl-C."""
    from forewarn.storage import StorageError

    settings = get_settings()
    if (state := find_running_stack(settings)) is not None:
        console.print("Forewarn is already running:")
        _print_urls(state["urls"])
        raise typer.Exit(0)
    supervisor = Supervisor(
        settings,
        [*server_components(settings), flow_runner_component(settings), api_component(settings)],
    )
    signal.signal(signal.SIGTERM, _interrupt)  # stop children cleanly during start-up too
    try:
        with console.status("starting Prefect, MLflow, the flow runner and the API..."):
            _start(supervisor, settings)
            use_stack(settings)
            _wait_for_deployment(BOOTSTRAP_DEPLOYMENT)
        if bootstrap and _missing_champions(settings):
            _bootstrap(settings)
    except (PortInUseError, StackError, StorageError, TimeoutError) as error:
        supervisor.stop()
        fail(str(error), 2)
    except KeyboardInterrupt:
        supervisor.stop()
        raise typer.Exit(130) from None
    except BaseException:
        supervisor.stop()
        raise
    console.print("[green]Forewarn is ready[/green] (Ctrl-C stops it):")
    _print_urls(supervisor.urls())
    console.print(f"  [bold]API docs[/bold]: {settings.api_url}/docs")
    console.print("Try a prediction:")
    console.print(example_curl(settings, bootstrap_key(settings)), soft_wrap=True, markup=False)
    raise typer.Exit(run_until_signal(supervisor))


def _missing_champions(settings: Settings) -> list[str]:
    from forewarn.families import FAMILIES
    from forewarn.families.workload import WORKLOAD
    from forewarn.tracking import CHAMPION, Registry

    registry = Registry(settings)
    known = set(registry.model_names())
    families = [*FAMILIES, WORKLOAD.name]
    return [f for f in families if f not in known or not registry.alias_version(f, CHAMPION)]


def _wait_for_deployment(name: str, timeout: float = 120.0) -> None:
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    deadline = time.monotonic() + timeout
    with get_client(sync_client=True) as client:
        while True:
            try:
                client.read_deployment_by_name(name)
                return
            except ObjectNotFound:
                if time.monotonic() > deadline:
                    raise TimeoutError(
                        f"the flow runner registered no deployment {name!r} "
                        f"within {timeout:.0f} s; see its log"
                    ) from None
                time.sleep(1.0)


def _bootstrap(settings: Settings) -> None:
    """Run the pipeline deployment for every family through Prefect and wait for it."""
    from prefect.client.orchestration import get_client
    from prefect.deployments import run_deployment

    from forewarn.tracking import Registry

    run = cast(  # called from sync code, Prefect's dispatch returns the run
        "FlowRun", run_deployment(BOOTSTRAP_DEPLOYMENT, parameters={"family": "all"}, timeout=0)
    )
    console.print(
        f"bootstrap: flow run [bold]{run.name}[/bold] "
        f"({settings.prefect_api_url.removesuffix('/api')}/runs/flow-run/{run.id})"
    )
    with get_client(sync_client=True) as client, console.status("bootstrapping") as status:
        while not (state := client.read_flow_run(run.id).state) or not state.is_final():
            status.update(f"bootstrap pipeline: {state.name if state else 'scheduled'}")
            time.sleep(2.0)
    if not state.is_completed():
        console.print(f"[red]bootstrap ended {state.name}[/red]: see {settings.logs_dir}")
    console.print(metrics_table("Champions", champion_rows(Registry(settings))))


def demo(
    family: Annotated[
        str, typer.Option(help="all, bottleneck, failure, incident or workload.")
    ] = "all",
) -> None:
    """Run the bootstrap pipeline once and print each family's metrics beside its baseline."""
    from forewarn.families import FAMILIES
    from forewarn.families.workload import WORKLOAD
    from forewarn.storage import StorageError

    known = [*FAMILIES, WORKLOAD.name]
    if family != "all" and family not in known:
        fail(f"--family must be all or one of {', '.join(known)}, not {family!r}", 2)
    settings = get_settings()
    supervisor = None
    if find_running_stack(settings) is None:
        supervisor = Supervisor(settings, server_components(settings))
    try:
        if supervisor is not None:
            with console.status("starting Prefect and MLflow servers..."):
                _start(supervisor, settings)
        use_stack(settings)
        from prefect.logging.handlers import APILogHandler

        from flows.pipeline import pipeline

        summaries = pipeline(family=family)  # type: ignore[call-overload]  # checked above
        APILogHandler().flush()  # send the last run logs before the servers stop
    except (PortInUseError, StackError, StorageError) as error:
        fail(str(error), 2)
    finally:
        if supervisor is not None:
            supervisor.stop()
    rows = [
        MetricsRow(s["family"], s["version"], s["decision"]["outcome"], s["metrics"], s["baseline"])
        for s in summaries
    ]
    console.print(metrics_table("Forewarn demo: held-out metrics", rows))


def status() -> None:
    """Whether the stack runs, where, and which models are champions."""
    settings = get_settings()
    state = find_running_stack(settings)
    if state is None:
        console.print("Forewarn is not running (start it with `forewarn up`).")
        raise typer.Exit(1)
    from forewarn.tracking import Registry

    console.print(f"Forewarn is running since {state['started_at']}:")
    _print_urls(state["urls"])
    use_stack(settings)
    console.print(metrics_table("Champions", champion_rows(Registry(settings))))
