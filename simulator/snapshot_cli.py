"""``qqsim snapshot save|load|list``: snapshots of a running qqsim, through its control API.

    qqsim snapshot save before-kick                 # keep the world now, in the server
    qqsim snapshot save before-kick --file w.qqsnap # ... and download it to a file
    qqsim snapshot load before-kick                 # go back to it
    qqsim snapshot load fresh --file w.qqsnap       # upload a file, then go back to it
    qqsim snapshot list

Files stay on this side: the server is sent the file's bytes, never a path.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import ConfigError

if TYPE_CHECKING:
    import httpx

SQLITE_TYPE = "application/vnd.sqlite3"


def add_parser(sub: Any) -> None:
    snapshot = sub.add_parser("snapshot", help="save, load and list snapshots of a running qqsim")
    snapshot.add_argument("verb", choices=("save", "load", "list"))
    snapshot.add_argument("name", nargs="?", help="the snapshot's name (save and load)")
    snapshot.add_argument("--file", metavar="FILE",
                          help="save: also download the snapshot here; load: upload it first")
    snapshot.add_argument("--control", default="http://127.0.0.1:6099", metavar="URL",
                          help="the control API of the running qqsim (default %(default)s)")
    snapshot.add_argument("--control-token", default="", help="its --control-token")


def run(args: argparse.Namespace) -> int:
    if args.verb != "list" and not args.name:
        raise ConfigError(f"snapshot {args.verb} needs a name")
    import httpx  # here, not at the top: ``qqsim run`` imports this module but never uses it

    headers = {"Authorization": f"Bearer {args.control_token}"} if args.control_token else {}
    try:
        with httpx.Client(base_url=args.control, headers=headers, timeout=60) as client:
            return {"save": _save, "load": _load, "list": _list}[args.verb](client, args)
    except httpx.HTTPError as exc:
        raise ConfigError(f"cannot reach qqsim's control API at {args.control} ({exc})") from None


def _checked(response: httpx.Response) -> httpx.Response:
    if response.is_success:
        return response
    try:
        error = response.json().get("error", response.text)
    except ValueError:
        error = response.text
    raise ConfigError(f"the control API says: {error} (HTTP {response.status_code})")


def _save(client: httpx.Client, args: argparse.Namespace) -> int:
    saved = _checked(client.post("/api/snapshots", json={"name": args.name})).json()
    print(f"saved snapshot {saved['name']!r} (world time {saved['time']})")
    if args.file:
        data = _checked(client.get(f"/api/snapshots/{args.name}/file")).content
        Path(args.file).write_bytes(data)
        print(f"  written to {args.file} ({len(data)} bytes)")
    return 0


def _load(client: httpx.Client, args: argparse.Namespace) -> int:
    if args.file:
        path = Path(args.file)
        if not path.is_file():
            raise ConfigError(f"{path}: no such snapshot file")
        _checked(client.put(f"/api/snapshots/{args.name}/file", content=path.read_bytes(),
                            headers={"Content-Type": SQLITE_TYPE}))
    restored = _checked(client.post(f"/api/snapshots/{args.name}/restore")).json()
    print(f"restored snapshot {restored['name']!r} (world time {restored['time']})")
    return 0


def _list(client: httpx.Client, args: argparse.Namespace) -> int:
    listing = _checked(client.get("/api/snapshots")).json()["snapshots"]
    for snap in listing:
        print(f"{snap['name']:<24} world time {snap['time']}  {snap['bytes']} bytes")
    if not listing:
        print("no snapshots saved")
    return 0
