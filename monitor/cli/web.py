"""`claimwatch web`: the analysts' web view on its own (the daemon serves it too with `run --web-port`)."""

from __future__ import annotations

import socket
from typing import Annotated

import typer

from monitor.cli.common import ConfigOption, load_config_or_exit
from monitor.config import Config
from monitor.daemon import open_store
from monitor.errors import ConfigError
from monitor.logs import make_logger
from monitor.web.serve import address, bind, check_listen, serve_foreground


def web(config: ConfigOption = None,
        host: Annotated[str | None, typer.Option(help="address to listen on (default: [web] host, 127.0.0.1)")]
        = None,
        port: Annotated[int | None, typer.Option(min=0, max=65_535, help="port (default: [web] port, 8080)")]
        = None) -> None:
    """Serve the web view: claims with their timeline and evidence, feeds, alerts, silences and rules, as
    pages and a JSON API under /api. Refuses an address beyond this machine unless authentication is set."""
    settings = load_config_or_exit(config, secrets=False, web_secrets=True)
    sock = listen_or_exit(settings, host or settings.web.host, settings.web.port if port is None else port)
    engine = open_store(settings)
    make_logger().info("web.serving", url=address(sock), auth=settings.web.auth_required)
    typer.echo(f"claimwatch web view at {address(sock)} (Ctrl-C stops)", err=True)
    try:
        serve_foreground(settings, engine, sock)
    finally:
        engine.dispose()


def listen_or_exit(settings: Config, host: str, port: int) -> socket.socket:
    """The bound socket, or exit 2 saying why it cannot listen there."""
    try:
        check_listen(settings, host)
        return bind(host, port)
    except ConfigError as exc:
        typer.echo(f"claimwatch: {exc}", err=True)
    except OSError as exc:
        typer.echo(f"claimwatch: cannot listen on {host}:{port}: {exc.strerror or exc}", err=True)
    raise typer.Exit(2)
