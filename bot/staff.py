"""Create organisations and console accounts (there are no default accounts or passwords).

    python -m bot.staff org add --slug rk-sthlm --name "Röda Korset Stockholm" \\
        --municipality Stockholm --hours "mon-fri 09:00-17:00" --languages sv,en,ar,fa --wait 15
    python -m bot.staff org add --slug soc-malmo --name "Socialtjänsten Malmö" --authority \\
        --municipality Malmö --hours always
    python -m bot.staff user add --username sara --name Sara --role staff --org rk-sthlm
    python -m bot.staff user add --username ali --name Ali --role maintainer
    python -m bot.staff org list | user list

`user add` prints a generated password once (or reads one from --password-stdin).
"""

from __future__ import annotations

import argparse
import re
import secrets
import sys
from typing import Any, List, Optional

import sqlalchemy as sa

from bot import handoff
from bot.storage import models
from bot.storage.db import session_scope, upgrade
from bot.web import auth

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def parse_hours(text: str) -> Any:
    """'always', or periods like 'mon-fri 09:00-17:00; sat 10:00-14:00'."""
    text = text.strip().lower()
    if text in ("always", "24/7"):
        return "always"
    periods = []
    for part in text.split(";"):
        m = re.fullmatch(r"\s*([a-z]{3})(?:-([a-z]{3}))?\s+(\d\d:\d\d)-(\d\d:\d\d)\s*", part)
        if not m or m.group(1) not in DAYS or (m.group(2) and m.group(2) not in DAYS):
            raise ValueError(f"cannot read opening hours: {part!r}")
        first = DAYS.index(m.group(1))
        last = DAYS.index(m.group(2)) if m.group(2) else first
        periods.append({"days": DAYS[first : last + 1], "from": m.group(3), "to": m.group(4)})
    return periods


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.staff", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    sub = parser.add_subparsers(dest="what", required=True)
    org = sub.add_parser("org").add_subparsers(dest="cmd", required=True)
    add_org = org.add_parser("add")
    add_org.add_argument("--slug", required=True)
    add_org.add_argument("--name", required=True)
    add_org.add_argument("--authority", action="store_true", help="e.g. social services")
    add_org.add_argument("--municipality", help="takes chats from this town only (default: from anywhere)")
    add_org.add_argument("--hours", default="always")
    add_org.add_argument("--languages", default="")
    add_org.add_argument("--wait", type=int, help="expected wait in minutes")
    org.add_parser("list")
    user = sub.add_parser("user").add_subparsers(dest="cmd", required=True)
    add_user = user.add_parser("add")
    add_user.add_argument("--username", required=True)
    add_user.add_argument("--name", required=True, help="the name young people see, e.g. a first name")
    add_user.add_argument("--role", choices=auth.ROLES, required=True)
    add_user.add_argument("--org", help="organisation slug (required for staff)")
    add_user.add_argument("--password-stdin", action="store_true")
    user.add_parser("list")
    args = parser.parse_args(argv)
    upgrade()
    if args.what == "org" and args.cmd == "add":
        languages = [c for c in args.languages.split(",") if c]
        handoff.create_organisation(args.slug, args.name, args.authority, args.municipality,
                                    parse_hours(args.hours), languages, args.wait)  # fmt: skip
        print(f"organisation {args.slug} created")
    elif args.what == "org":
        with session_scope() as s:
            for o in s.execute(sa.select(models.Organisation).order_by(models.Organisation.slug)).scalars():
                print(
                    f"{o.slug:16} {o.name} {'(authority) ' if o.is_authority else ''}{o.municipality or 'national'}"
                )
    elif args.what == "user" and args.cmd == "add":
        password = sys.stdin.readline().rstrip("\n") if args.password_stdin else secrets.token_urlsafe(15)
        auth.create_account(args.username, password, args.name, args.role, args.org)
        if not args.password_stdin:
            print(f"account {args.username} created; password (shown once): {password}")
        else:
            print(f"account {args.username} created")
    else:
        with session_scope() as s:
            for a in s.execute(
                sa.select(models.StaffAccount).order_by(models.StaffAccount.username)
            ).scalars():
                print(f"{a.username:16} {a.role:10} org={a.organisation_id} active={a.active}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
