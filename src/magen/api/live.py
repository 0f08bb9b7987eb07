"""The live feed: a WebSocket that resumes exactly from the last position a client saw.

Connecting: open `/api/v1/live?after=N` (N: the last log position the client saw, 0 for
all). No secret ever goes in the address (proxy and access logs keep addresses, and a browser
prints a failed WebSocket's address, query and all, in its console). The server accepts, then
learns who is asking:
- from the handshake's headers, `Authorization: Bearer <token or API key>` or `X-API-Key`, as
  any HTTP route does (for clients that can set headers; browsers cannot). The feed then
  starts at once; frames the client sends are ignored, an auth frame included;
- otherwise from the client's first text frame, sent within `AUTH_WAIT_S` seconds:
  `{"kind": "auth", "token": "<bearer token or API key>"}`, judged exactly as the header
  would be (`current_actor`: an account made a moment ago through another worker included).
  `{"kind": "auth"}` (or a null or blank token) is an anonymous client, who is sent what
  anonymous sees: the public layer.
Until then the server sends nothing. It closes, having sent nothing, with
- 4400 for an `after` that is no whole number, or a first frame that is not such an auth frame
  (not text, not JSON, another kind, unknown fields, a token that is no string, too long);
- 4401 for credentials that are wrong, expired or revoked (a browser signs in again);
- 4408 when no frame came within `AUTH_WAIT_S` (a slow link, not bad credentials: the client
  reconnects, as for any lost feed).
A query parameter `access_token` is ignored, like any other unknown one: it authenticates
nothing.

Protocol (server to client, JSON text frames):
- {"kind": "event", "position": N, "type": ..., "data": ...} for each event the actor may see;
  when that event brings earlier ones into the actor's view (a casualty sent to a hospital
  brings its record to that hospital's account, see `app/people_policy.py`), the frame also
  has "earlier": [the frames of those events, oldest first], each with its own position. They
  belong to position N: a client resuming after N has them, one resuming before N gets them
  again with N, and none of them is sent anywhere else;
- {"kind": "heartbeat", "position": N, "at": ...} every few seconds and after catching up, so a
  client knows the feed is alive and how far the log has gone even when it sees nothing.
A client that reconnects with `?after=<last position it saw>` gets exactly what it missed; it
closes with 4408 ("too slow") a client that fell too far behind, which then does just that.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from litestar import WebSocket, websocket
from litestar.exceptions import WebSocketDisconnect

from magen.api.deps import credentials_of, current_actor, runtime
from magen.api.wire import recorded_view
from magen.app import auth
from magen.app.security import InvalidCredentials
from magen.app.service import Service
from magen.domain.base import Actor, Recorded

HEARTBEAT_S = 5.0
AUTH_WAIT_S = 5.0  # how long a client without header credentials has to send its auth frame
_AUTH_FRAME_MAX = 8192  # characters: a token or API key is a few hundred
_BACKLOG_CHUNK = 1000


class _Malformed(Exception):
    """The first frame is not an auth frame; the message says why."""


class _Gone(Exception):
    """The client left before it said who it is."""


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
    # Accepted before anything is judged: a close before the accept reaches a client as a bare
    # HTTP 403, without the code that tells a browser to sign in again.
    await socket.accept()
    raw_after = socket.query_params.get("after", "0")
    if not (raw_after.isascii() and raw_after.isdigit()):  # '²' is a digit int() refuses
        await socket.close(code=4400, reason="after must be a non-negative integer")
        return
    actor = await _identified(socket)
    if actor is None:
        return  # closed, and told why
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


async def _identified(socket: WebSocket[Any, Any, Any]) -> Actor | None:
    """Who is asking: from the handshake's headers, else from the first frame. None when the
    socket was closed instead (refused, or gone)."""
    try:
        if credentials_of(socket) is not None:  # raises for a malformed Authorization header
            return await current_actor(socket)
        try:
            message = await asyncio.wait_for(socket.receive(), AUTH_WAIT_S)
        except TimeoutError:
            await _refuse(socket, 4408, f"no auth frame within {AUTH_WAIT_S:g} s; reconnect")
            return None
        return await current_actor(socket, credential=_auth_token(message))
    except InvalidCredentials as exc:
        await _refuse(socket, 4401, str(exc))
    except _Malformed as exc:
        await _refuse(socket, 4400, str(exc))
    except (_Gone, WebSocketDisconnect, ConnectionError):
        pass
    return None


def _auth_token(message: Any) -> str | None:
    """The token of an auth frame (None: anonymous), or why the message is none."""
    if message["type"] != "websocket.receive":
        raise _Gone
    text = message.get("text")
    if text is None:
        raise _Malformed('the first frame must be text: {"kind": "auth", "token": ...}')
    if len(text) > _AUTH_FRAME_MAX:
        raise _Malformed("the auth frame is too long")
    try:
        frame = json.loads(text)
    except ValueError:
        raise _Malformed("the first frame is not JSON") from None
    if not isinstance(frame, dict) or frame.get("kind") != "auth":
        raise _Malformed('the first frame must be {"kind": "auth", "token": ...}')
    unknown = sorted(set(frame) - {"kind", "token"})
    if unknown:
        raise _Malformed(f"the auth frame has unknown fields: {', '.join(unknown)}"[:120])
    token = frame.get("token")
    if token is None:
        return None
    if not isinstance(token, str):
        raise _Malformed("the auth frame's token must be a string")
    # Blank is no credential, as an empty header is.
    return token.strip() or None


async def _refuse(socket: WebSocket[Any, Any, Any], code: int, reason: str) -> None:
    with contextlib.suppress(WebSocketDisconnect, ConnectionError, RuntimeError):
        await socket.close(code=code, reason=reason[:120])


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
