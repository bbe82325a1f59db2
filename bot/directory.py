"""The help directory: organisations and services, by town and kind of help.

Data lives in content/directory/*.yml (each entry with its source and check date) and
is loaded into the `help_service` table, where staff can edit it later:

    python -m bot.directory load     # insert new entries, update changed ones

`find()` answers "where can I sleep tonight in Malmö": up to three local services,
then national ones.
"""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence

import sqlalchemy as sa
import yaml

from bot.storage import models
from bot.storage.db import session_scope

ROOT = Path(__file__).resolve().parent.parent
DIRECTORY = ROOT / "content" / "directory"

KINDS = (
    "shelter",
    "food",
    "legal",
    "health",
    "mental_health",
    "meeting_place",
    "social_services",
    "family_tracing",
    "helpline",
)

# Which kinds of help answer each find_* intent.
INTENT_KINDS: Dict[str, Sequence[str]] = {
    "find_help": ("social_services", "legal", "mental_health", "helpline", "meeting_place"),
    "find_shelter": ("shelter", "social_services"),
    "find_food": ("food",),
    "find_healthcare": ("health",),
    "find_mental_health": ("mental_health", "helpline"),
    "find_meeting_place": ("meeting_place",),
    "find_social_services": ("social_services",),
}

REQUIRED = ("slug", "name", "organisation", "kinds", "source_url", "checked_on")


@dataclass(frozen=True)
class Service:
    """A service as shown to a user."""

    slug: str
    name: str
    organisation: str
    municipality: Optional[str]
    kinds: List[str]
    languages: List[str]
    hours: Any
    phone: Optional[str]
    url: Optional[str]
    address: Optional[str]
    is_authority: bool
    asks_for_id: Optional[bool]
    verified: bool
    checked_on: str

    def as_dict(self) -> Dict[str, Any]:
        return asdict(self)


def read_entries(directory: Path = DIRECTORY) -> List[Dict[str, Any]]:
    """All entries of all files in content/directory, validated."""
    entries: List[Dict[str, Any]] = []
    for path in sorted(directory.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        default_municipality = data.get("municipality")
        for e in data.get("services") or []:
            missing = [k for k in REQUIRED if not e.get(k)]
            if missing:
                raise ValueError(f"{path.name}: {e.get('slug')}: missing {missing}")
            unknown = set(e["kinds"]) - set(KINDS)
            if unknown:
                raise ValueError(f"{path.name}: {e['slug']}: unknown kinds {unknown}")
            e = {**e}
            e.setdefault("municipality", default_municipality)
            entries.append(e)
    slugs = [e["slug"] for e in entries]
    dupes = {s for s in slugs if slugs.count(s) > 1}
    if dupes:
        raise ValueError(f"duplicate slugs in content/directory: {sorted(dupes)}")
    return entries


def _as_date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def load(entries: Optional[Iterable[Dict[str, Any]]] = None) -> int:
    """Upsert entries into the database by slug; returns how many were written."""
    entries = list(entries if entries is not None else read_entries())
    count = 0
    with session_scope() as session:
        existing = {s.slug: s for s in session.execute(sa.select(models.HelpService)).scalars()}
        for e in entries:
            row = existing.get(e["slug"]) or models.HelpService(slug=e["slug"])
            row.name = e["name"]
            row.organisation = e["organisation"]
            row.municipality = e.get("municipality")
            row.kinds = list(e["kinds"])
            row.audience = list(e.get("audience") or ["all"])
            row.languages = list(e.get("languages") or [])
            row.hours = e.get("hours")
            row.phone = e.get("phone")
            row.url = e.get("url")
            row.email = e.get("email")
            row.address = e.get("address")
            row.is_authority = bool(e.get("is_authority", False))
            row.asks_for_id = e.get("asks_for_id")
            row.verified = bool(e.get("verified", False))
            row.source_url = e["source_url"]
            row.source_date = str(e.get("source_date") or "") or None
            row.checked_on = _as_date(e["checked_on"])
            row.priority = int(e.get("priority", 0))
            row.updated_at = models.utcnow()
            session.add(row)
            count += 1
    return count


def _to_service(row: models.HelpService) -> Service:
    return Service(
        slug=row.slug,
        name=row.name,
        organisation=row.organisation,
        municipality=row.municipality,
        kinds=list(row.kinds or []),
        languages=list(row.languages or []),
        hours=row.hours,
        phone=row.phone,
        url=row.url,
        address=row.address,
        is_authority=bool(row.is_authority),
        asks_for_id=row.asks_for_id,
        verified=bool(row.verified),
        checked_on=row.checked_on.isoformat() if row.checked_on else "",
    )


def find(
    kinds: Sequence[str],
    municipality: Optional[str],
    audience: Sequence[str] = (),
    local_limit: int = 3,
    national_limit: int = 3,
) -> Dict[str, List[Service]]:
    """Up to `local_limit` services in the municipality, then national ones.

    `audience` is what is known about the user ("minor" or "adult", and "eu" for EU
    citizens); services for a group the user is known not to belong to are left out.
    """
    wanted = set(kinds)
    known = set(audience)

    def matches(row: models.HelpService) -> bool:
        if not wanted & set(row.kinds or []):
            return False
        aud = set(row.audience or ["all"])
        if "all" in aud:
            return True
        age_groups = aud & {"minor", "adult"}
        if age_groups and (known & {"minor", "adult"}) and not (age_groups & known):
            return False
        if aud == {"eu"}:
            return "eu" in known
        return True

    def rank(row: models.HelpService) -> tuple:
        # The first kind asked for matters most, then verified entries, then priority.
        kind_rank = min((list(kinds).index(k) for k in row.kinds if k in wanted), default=99)
        return (kind_rank, not row.verified, -row.priority, row.name)

    with session_scope() as session:
        rows = list(session.execute(sa.select(models.HelpService)).scalars())
    local = sorted(
        (r for r in rows if municipality and r.municipality == municipality and matches(r)),
        key=rank,
    )[:local_limit]
    national = sorted((r for r in rows if r.municipality is None and matches(r)), key=rank)[:national_limit]
    return {"local": [_to_service(r) for r in local], "national": [_to_service(r) for r in national]}


def main(argv: List[str]) -> int:
    if argv[:1] == ["load"]:
        from bot.storage.db import upgrade

        upgrade()
        print(f"loaded {load()} services into the directory")
        return 0
    print("usage: python -m bot.directory load", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
