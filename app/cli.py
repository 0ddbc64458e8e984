"""The `calmcalf` command: `calmcalf serve [--host H] [--port P]`."""

from __future__ import annotations

import argparse
import logging
import sys


def _port(text: str) -> int:
    """A TCP port number, 1 to 65535."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--port must be a number, not {text!r}") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"--port must be between 1 and 65535, not {port}")
    return port


def build_parser() -> argparse.ArgumentParser:
    """The command line, one subcommand per runtime piece."""
    parser = argparse.ArgumentParser(prog="calmcalf", description="Calm Calf server")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the web app on a production WSGI server")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=_port, default=8000, help="port to listen on (default 8000)")
    serve.add_argument("--threads", type=int, default=8, help="worker threads (default 8)")
    return parser


def serve(host: str, port: int, threads: int) -> None:
    """Run the app with waitress (not Flask's development server)."""
    from waitress import serve as waitress_serve

    from . import create_app

    app = create_app()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    print(f"Calm Calf is running on http://{host}:{port}/ (Ctrl+C to stop)", flush=True)
    waitress_serve(app, host=host, port=port, threads=threads, ident="calmcalf")


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    args = build_parser().parse_args(argv)
    try:
        if args.command == "serve":
            serve(args.host, args.port, args.threads)
    except OSError as exc:
        print(f"calmcalf: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
