"""The live feed: a WebSocket that resumes exactly from the last position a client saw.

Protocol (server to client, JSON text frames):
- {"kind": "event", "position": N, "type": ..., "data": ...} for each event the actor may see;
  when that event brings earlier ones into the actor's view (a casualty sent to a hospital
  brings its record to that hospital's account, see `app/people_policy.py`), the frame also
  has "earlier": [the frames of those events, oldest first], each with its own position. They
  belong to position N: a client resuming after N has them, one resuming before N gets them
  again with N, and none of them is sent anywhere else;
- {"kind": "heartbeat", "position": N, "at": ...} every few seconds and after catching up, so a
  client knows the feed is alive and how far the log has gone even when it sees nothing.
A client that reconnects with `?after=<last position it saw>` gets exactly what it missed.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from litestar import WebSocket, websocket
from litestar.exceptions import WebSocketDisconnect

from magen.api.deps import current_actor, runtime
from magen.api.wire import recorded_view
from magen.app import auth
from magen.app.security import InvalidCredentials
from magen.app.service import Service
from magen.domain.base import Actor, Recorded

HEARTBEAT_S = 5.0
_BACKLOG_CHUNK = 1000


async def _frame(service: Service, actor: Actor, r: Recorded) -> dict[str, Any] | None:
    """The frame for one event, or None when the actor may not see it."""
    state = service.state
    if not auth.can_read(actor, r, state):
        return None
    frame: dict[str, Any] = {"kind": "event", **_view(actor, r)}
    released = auth.released_with(actor, r, state)
    if released:
        earlier = await asyncio.to_thread(lambda: list(service.read_positions(released)))
        frame["earlier"] = [_view(actor, e) for e in earlier]
    return frame


def _view(actor: Actor, r: Recorded) -> dict[str, Any]:
    view = recorded_view(r)
    hidden = auth.withheld(actor, r)
    if hidden:
        view["data"] = {k: v for k, v in view["data"].items() if k not in hidden}
        if "actor" in hidden:
            view["actor"] = {**view["actor"], "id": None}
    return view


@websocket("/api/v1/live")
async def live(socket: WebSocket[Any, Any, Any]) -> None:
    """Stream the events this actor may see, from `after` on."""
    try:
        actor = await current_actor(socket)
    except InvalidCredentials as exc:
        await socket.close(code=4401, reason=str(exc)[:120])
        return
    raw_after = socket.query_params.get("after", "0")
    if not (raw_after.isascii() and raw_after.isdigit()):  # '²' is a digit int() refuses
        await socket.close(code=4400, reason="after must be a non-negative integer")
        return
    await socket.accept()
    service = runtime(socket).service
    sub = service.hub.subscribe()
    sender = asyncio.create_task(_stream(socket, actor, sub, int(raw_after)))
    listener = asyncio.create_task(_until_disconnect(socket))
    try:
        await asyncio.wait({sender, listener}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        sub.close()
        for task in (sender, listener):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, ConnectionError):
                await task
        with contextlib.suppress(Exception):
            await socket.close()


async def _stream(socket: WebSocket[Any, Any, Any], actor: Actor, sub: Any, after: int) -> None:
    with contextlib.suppress(WebSocketDisconnect, ConnectionError):
        sent = await _send_backlog(socket, actor, after)
        await _send_live(socket, actor, sub, sent)


async def _until_disconnect(socket: WebSocket[Any, Any, Any]) -> None:
    # Clients send nothing we act on; reading is how a closed connection is noticed at once.
    with contextlib.suppress(WebSocketDisconnect, ConnectionError):
        while True:
            message = await socket.receive()
            if message["type"] == "websocket.disconnect":
                return


async def _send_backlog(socket: WebSocket[Any, Any, Any], actor: Actor, after: int) -> int:
    service = runtime(socket).service
    sent = after
    while sent < service.state.position:
        batch = await asyncio.to_thread(service.events_after, sent, _BACKLOG_CHUNK)
        if not batch:
            break
        for r in batch:
            if r.position > service.state.position:
                # Appended by another worker and not applied here yet: the read rules judge
                # against the state, so it comes through the subscription once applied (and
                # `sent` is now the state's position, which ends the loop).
                break
            frame = await _frame(service, actor, r)
            if frame is not None:
                await socket.send_json(frame)
            sent = r.position
    await socket.send_json({"kind": "heartbeat", "position": sent, "at": _now(socket)})
    return sent


async def _send_live(socket: WebSocket[Any, Any, Any], actor: Actor, sub: Any, sent: int) -> None:
    while True:
        try:
            r = await asyncio.wait_for(sub.get(), HEARTBEAT_S)
        except TimeoutError:
            await socket.send_json({"kind": "heartbeat", "position": sent, "at": _now(socket)})
            continue
        if r is None:
            # Dropped for falling behind: tell the client to resume from what it saw.
            await socket.close(code=4408, reason=f"too slow; reconnect with after={sent}")
            return
        if r.position <= sent:
            continue  # already sent from the backlog
        frame = await _frame(runtime(socket).service, actor, r)
        if frame is not None:
            await socket.send_json(frame)
        sent = r.position


def _now(socket: WebSocket[Any, Any, Any]) -> str:
    return runtime(socket).service.clock.now().isoformat()
