"""Staff log-in: argon2 password hashes, server-side sessions, CSRF tokens, lock-outs.

The session cookie holds a random token; the database keeps only its SHA-256, so a
database leak does not give working sessions. Every state-changing request must carry
the session's CSRF token (header X-CSRF-Token or form field csrf_token). Five failed
log-ins lock an account for 15 minutes, and one address may try 20 times a minute.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from typing import Deque, Dict, Optional, Tuple

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from bot.storage import models
from bot.storage.db import session_scope

ROLES = ("staff", "maintainer", "admin")
MAX_FAILED = 5
LOCK_FOR = dt.timedelta(minutes=15)
SESSION_FOR = dt.timedelta(hours=8)
PER_ADDRESS_PER_MINUTE = 20
_hasher = PasswordHasher()
# A hash to verify against when the user does not exist, so timing does not tell.
_DUMMY_HASH = _hasher.hash("not a real password " + secrets.token_hex(8))


@dataclass(frozen=True)
class Staff:
    """The logged-in person, as the console sees them."""

    id: int
    username: str
    display_name: str
    role: str
    organisation_id: Optional[int]
    organisation_slug: Optional[str]
    organisation_name: Optional[str]
    csrf_token: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def label(self) -> str:
        return (
            f"{self.display_name} ({self.organisation_name})" if self.organisation_name else self.display_name
        )


def hash_password(password: str) -> str:
    if len(password) < 12:
        raise ValueError("passwords must have at least 12 characters")
    return _hasher.hash(password)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class AddressThrottle:
    """At most PER_ADDRESS_PER_MINUTE log-in attempts per client address."""

    def __init__(self) -> None:
        self.attempts: Dict[str, Deque[float]] = defaultdict(deque)

    def allow(self, address: str) -> bool:
        now = time.monotonic()
        q = self.attempts[address]
        while q and now - q[0] > 60:
            q.popleft()
        if len(q) >= PER_ADDRESS_PER_MINUTE:
            return False
        q.append(now)
        return True


def authenticate(username: str, password: str) -> Tuple[Optional[int], str]:
    """(account id, "ok") or (None, reason): reasons are "invalid" or "locked"."""
    now = models.utcnow()
    with session_scope() as s:
        account = s.execute(
            sa.select(models.StaffAccount).where(models.StaffAccount.username == username)
        ).scalar_one_or_none()
        if account is None or not account.active:
            try:
                _hasher.verify(_DUMMY_HASH, password)
            except VerificationError:
                pass
            return None, "invalid"
        locked_until = account.locked_until
        if locked_until is not None and locked_until.tzinfo is None:
            locked_until = locked_until.replace(tzinfo=dt.timezone.utc)
        if locked_until and locked_until > now:
            return None, "locked"
        try:
            _hasher.verify(account.password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            account.failed_logins += 1
            if account.failed_logins >= MAX_FAILED:
                account.locked_until = now + LOCK_FOR
                account.failed_logins = 0
            return None, "invalid"
        account.failed_logins = 0
        account.locked_until = None
        if _hasher.check_needs_rehash(account.password_hash):
            account.password_hash = _hasher.hash(password)
        return account.id, "ok"


def create_session(account_id: int) -> str:
    """A new session; returns the cookie token (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    with session_scope() as s:
        s.add(
            models.StaffSession(
                token_hash=_token_hash(token), account_id=account_id, csrf_token=secrets.token_urlsafe(32),
                created_at=models.utcnow(), expires_at=models.utcnow() + SESSION_FOR,
            )
        )  # fmt: skip
    return token


def staff_for(token: Optional[str]) -> Optional[Staff]:
    """The logged-in staff member for a cookie token, or None."""
    if not token:
        return None
    with session_scope() as s:
        row = s.execute(
            sa.select(models.StaffSession).where(models.StaffSession.token_hash == _token_hash(token))
        ).scalar_one_or_none()
        if row is None:
            return None
        expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=dt.timezone.utc)
        if expires <= models.utcnow():
            s.delete(row)
            return None
        account = s.get(models.StaffAccount, row.account_id)
        if account is None or not account.active:
            return None
        org = s.get(models.Organisation, account.organisation_id) if account.organisation_id else None
        return Staff(
            id=account.id, username=account.username, display_name=account.display_name, role=account.role,
            organisation_id=account.organisation_id, organisation_slug=org.slug if org else None,
            organisation_name=org.name if org else None, csrf_token=row.csrf_token,
        )  # fmt: skip


def end_session(token: Optional[str]) -> None:
    if not token:
        return
    with session_scope() as s:
        s.execute(sa.delete(models.StaffSession).where(models.StaffSession.token_hash == _token_hash(token)))


def csrf_ok(expected: str, given: Optional[str]) -> bool:
    return bool(given) and hmac.compare_digest(expected.encode(), str(given).encode())


def audit(staff: Optional[Staff], action: str, ticket_id: Optional[int] = None, detail: str = "",
          username: Optional[str] = None) -> None:  # fmt: skip
    """Record who did what, when (no message text)."""
    with session_scope() as s:
        s.add(
            models.AuditLog(
                at=models.utcnow(), account_id=staff.id if staff else None,
                username=staff.username if staff else username, action=action, ticket_id=ticket_id,
                detail=detail[:300],
            )
        )  # fmt: skip


def create_account(
    username: str, password: str, display_name: str, role: str, org_slug: Optional[str]
) -> int:
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}")
    if role == "staff" and not org_slug:
        raise ValueError("staff accounts belong to an organisation")
    with session_scope() as s:
        org_id = None
        if org_slug:
            org = s.execute(
                sa.select(models.Organisation).where(models.Organisation.slug == org_slug)
            ).scalar_one()
            org_id = org.id
        account = models.StaffAccount(
            username=username, password_hash=hash_password(password), display_name=display_name, role=role,
            organisation_id=org_id, active=True, failed_logins=0, created_at=models.utcnow(),
        )  # fmt: skip
        s.add(account)
        s.flush()
        return int(account.id)
