"""`make demo`: Magen on the embedded database with demo accounts, ready to open."""

from __future__ import annotations

import argparse
import asyncio
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

from magen.domain.values import Role


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: Role
    display_name: str


# Demo passwords are printed on purpose: this database is for rehearsal, never for a real day.
DEMO_PASSWORD = "magen-demo"  # noqa: S105 - printed for the demo on purpose
DEMO_ACCOUNTS = (
    DemoAccount("admin", Role.ADMIN, "Demo administrator"),
    DemoAccount("dispatcher", Role.DISPATCHER, "Security coordinator (demo)"),
    DemoAccount("officer1", Role.RESPONDER, "Police officer (demo)"),
    DemoAccount("volunteer1", Role.RESPONDER, "Response squad volunteer (demo)"),
    DemoAccount("medic1", Role.MEDIC, "Paramedic (demo)"),
    DemoAccount("hospital1", Role.HOSPITAL, "Hospital desk (demo)"),
    DemoAccount("registrar", Role.REGISTRAR, "Registrar (demo)"),
    DemoAccount("analyst", Role.ANALYST, "Analyst (demo)"),
    DemoAccount("resident1", Role.RESIDENT, "Resident (demo)"),
)


async def ensure_demo_accounts(db: str) -> list[DemoAccount]:
    """Create any demo account that is missing; returns those created."""
    from magen.api.app import build_service
    from magen.app.security import hash_password
    from magen.clock import SystemClock
    from magen.config import Settings
    from magen.domain.accounts import Accounts, CreateAccount
    from magen.domain.base import SYSTEM

    service = build_service(Settings(database=db, secret=b"demo"), SystemClock())
    created = []
    try:
        existing = service.state.slice(Accounts).by_username
        for acc in DEMO_ACCOUNTS:
            if acc.username in existing:
                continue
            await service.handle(
                SYSTEM,
                CreateAccount(
                    command_id=uuid.uuid5(uuid.NAMESPACE_URL, f"magen-demo:{acc.username}"),
                    username=acc.username,
                    role=acc.role,
                    display_name=acc.display_name,
                    password_hash=hash_password(DEMO_PASSWORD),
                ),
            )
            created.append(acc)
    finally:
        await service.log.close()
    return created


def run_demo(args: argparse.Namespace) -> int:
    """Prepare the demo database and serve it until Ctrl-C."""
    import uvicorn

    Path(args.db).parent.mkdir(parents=True, exist_ok=True)
    asyncio.run(ensure_demo_accounts(args.db))
    os.environ["MAGEN_DB"] = args.db
    base = f"http://{args.host}:{args.port}"
    print("\nMagen demo", flush=True)
    print(f"  API          {base}/api/v1/schema  (OpenAPI, try it out)")
    print(f"  health       {base}/healthz")
    print(f"  accounts     password for all: {DEMO_PASSWORD}")
    for acc in DEMO_ACCOUNTS:
        print(f"    {acc.username:<12} {acc.role.value}")
    print("  Ctrl-C stops the server.\n", flush=True)
    uvicorn.run(
        "magen.api.app:asgi_app",
        factory=True,
        host=args.host,
        port=args.port,
        log_level="warning",
        access_log=False,
    )
    return 0
