"""`magen cot push`: the CoT feed of a running Magen, sent on to TAK."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
from typing import Any

from magen.cli.common import CliError
from magen.interop.tak import MESH_SA, FeedUnavailable, Target

KEY_VARIABLE = "MAGEN_API_KEY"


def _feed(base: str, key: str, lang: str, stale_s: int) -> Any:
    """A fetch of `GET /api/v1/cot` from the server at `base`, as the key's account."""
    import httpx

    client = httpx.AsyncClient(
        base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=15.0
    )

    async def fetch() -> bytes:
        try:
            r = await client.get("/api/v1/cot", params={"lang": lang, "stale_s": stale_s})
        except httpx.HTTPError as exc:
            raise FeedUnavailable(f"{base} did not answer: {exc!r}") from None
        if r.status_code in (401, 403, 404):
            try:
                reason = str(r.json().get("reason", r.text))
            except (ValueError, AttributeError):  # a proxy's page, not Magen's JSON
                reason = r.text[:200] or r.reason_phrase
            raise FeedUnavailable(
                f"{base} refused the feed ({r.status_code}): {reason}", lasting=True
            )
        if r.status_code != 200:
            raise FeedUnavailable(f"{base} answered {r.status_code}")
        return r.content

    return fetch


def _cmd_push(args: argparse.Namespace) -> int:
    from magen.interop.tak import Sender, push_forever

    try:
        target = Target.parse(args.to)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    if not args.server.startswith(("http://", "https://")):
        raise CliError(f"--server must be an http:// or https:// address, not {args.server!r}")
    key = os.environ.get(KEY_VARIABLE, "").strip()
    if not key:
        raise CliError(
            f"set {KEY_VARIABLE} to the API key of the account whose picture TAK users are to "
            "see (a dispatcher's, or a responder's for less)"
        )
    # Each event stays fresh for three rounds: one lost round is not a stale map.
    stale_s = max(30, min(3600, round(3 * args.every)))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    fetch = _feed(args.server.rstrip("/"), key, args.lang, stale_s)
    rounds = 1 if args.once else None
    try:
        sent = asyncio.run(push_forever(fetch, Sender(target), args.every, rounds=rounds))
    except FeedUnavailable as exc:
        raise CliError(str(exc)) from None
    if args.once and not sent:
        raise CliError(f"nothing was sent to {target} (the reason is logged above)")
    return 0


def _every(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 1 <= value <= 600:
        raise argparse.ArgumentTypeError(f"give 1 to 600 seconds, not {text!r}")
    return value


def register(sub: Any) -> None:
    cot = sub.add_parser("cot", help="Cursor on Target for TAK").add_subparsers(
        dest="cot_command", required=True
    )
    push = cot.add_parser(
        "push",
        help=f"send a running Magen's picture to a TAK server or a LAN's mesh SA ({MESH_SA})",
        description=(
            "Reads GET /api/v1/cot every few seconds as the account of the API key in "
            f"{KEY_VARIABLE} and writes each event to a TAK server's streaming input "
            "(tcp://host:8087) or a multicast group every ATAK on the network hears "
            f"({MESH_SA}). Events go stale three rounds after they were sent."
        ),
    )
    push.add_argument("--server", default="http://127.0.0.1:8080", help="Magen's address")
    push.add_argument("--to", default=MESH_SA, help="tcp://host:port or udp://host:port")
    push.add_argument("--every", type=_every, default=10.0, help="seconds between rounds")
    push.add_argument("--lang", choices=("he", "ar", "en"), default="he", help="labels' language")
    push.add_argument("--once", action="store_true", help="one round, then stop")
    push.set_defaults(run=_cmd_push)
