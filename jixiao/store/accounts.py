"""Accounts and sessions of the workbench store (mixed into :class:`jixiao.store.Store`).

A session is a server-side record: the cookie carries a random token, the table keeps its SHA-256,
so logging out, changing a password or disabling an account ends every copy of the cookie at once.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func, select

from jixiao.store.models import ROLES, SessionRecord, User, utcnow
from jixiao.store.passwords import check_password, hash_password, verify_password

_DUMMY_HASH = hash_password("jixiao-timing-equaliser")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Accounts:
    """Users, passwords (one policy: :func:`jixiao.store.passwords.check_password`) and sessions."""

    # provided by Store
    read: Any
    write: Any

    # -- users -----------------------------------------------------------------------------------------
    def add_user(self, name: str, password: str, role: str, *, department: str | None = None,
                 region: str | None = None) -> User:
        name = name.strip()
        if not name:
            raise ValueError("用户名不能为空 (empty user name)")
        if role not in ROLES:
            raise ValueError(f"未知角色 {role} (role must be one of {', '.join(ROLES)})")
        if role == "filler" and not department:
            raise ValueError("填报人必须指定部门 (a filler needs --department)")
        with self.read() as s:
            if s.scalar(select(User.id).where(User.name == name)) is not None:
                raise ValueError(f"用户 {name} 已存在 (user exists)")
        check_password(password, name)
        password_hash = hash_password(password)  # argon2 outside the write lock
        with self.write() as s:
            if s.scalar(select(User.id).where(User.name == name)) is not None:
                raise ValueError(f"用户 {name} 已存在 (user exists)")
            user = User(name=name, password_hash=password_hash, role=role, department=department, region=region)
            s.add(user)
            s.flush()
            return user

    def set_password(self, name: str, password: str) -> None:
        """A new password; every session of the user ends."""
        check_password(password, name)
        password_hash = hash_password(password)
        with self.write() as s:
            user = s.scalar(select(User).where(User.name == name))
            if user is None:
                raise ValueError(f"用户 {name} 不存在 (no such user)")
            user.password_hash = password_hash
            s.execute(delete(SessionRecord).where(SessionRecord.user_id == user.id))

    def update_user(self, user_id: int, **fields: Any) -> User | None:
        """Change ``role``, ``department``, ``region``, ``active`` or ``password``; None when no such user.

        A new password, a new role or scope, or disabling the account ends the user's sessions.
        """
        password = fields.pop("password", None)
        unknown = set(fields) - {"role", "department", "region", "active"}
        if unknown:
            raise ValueError(f"未知字段 {', '.join(sorted(unknown))}")
        if "role" in fields and fields["role"] not in ROLES:
            raise ValueError(f"未知角色 {fields['role']} (role must be one of {', '.join(ROLES)})")
        with self.read() as s:
            user = s.get(User, user_id)
        if user is None:
            return None
        password_hash = None
        if password is not None:
            check_password(password, user.name)
            password_hash = hash_password(password)
        with self.write() as s:
            user = s.get(User, user_id)
            if user is None:
                return None
            for key in ("department", "region"):
                if key in fields:
                    fields[key] = (fields[key] or "").strip() or None
            for key, value in fields.items():
                setattr(user, key, value)
            if user.role == "filler" and not user.department:
                raise ValueError("填报人必须指定部门 (a filler needs a department)")
            if password_hash is not None:
                user.password_hash = password_hash
            if password_hash is not None or fields:
                s.execute(delete(SessionRecord).where(SessionRecord.user_id == user.id))
            s.flush()
            return user

    def delete_user(self, user_id: int) -> bool:
        with self.write() as s:
            user = s.get(User, user_id)
            if user is None:
                return False
            s.execute(delete(SessionRecord).where(SessionRecord.user_id == user_id))
            s.delete(user)
            return True

    def user(self, user_id: int) -> User | None:
        with self.read() as s:
            return s.get(User, user_id)

    def users(self) -> list[User]:
        with self.read() as s:
            return list(s.scalars(select(User).order_by(User.id)))

    def count_users(self) -> int:
        with self.read() as s:
            return s.scalar(select(func.count(User.id))) or 0

    def authenticate(self, name: str, password: str) -> User | None:
        with self.read() as s:
            user = s.scalar(select(User).where(User.name == name.strip()))
        if user is None or not user.active:
            verify_password(_DUMMY_HASH, password)  # same cost whether or not the user exists
            return None
        return user if verify_password(user.password_hash, password) else None

    # -- sessions --------------------------------------------------------------------------------------
    def create_session(self, user_id: int, *, max_age: float, address: str | None = None) -> tuple[str, str]:
        """A new session; (token for the cookie, its CSRF token). Expired sessions are swept at the same time."""
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        now = utcnow()
        with self.write() as s:
            s.execute(delete(SessionRecord).where(SessionRecord.expires_at < now))
            s.add(SessionRecord(token_hash=token_hash(token), user_id=user_id, csrf=csrf,
                                address=(address or "")[:64] or None, created_at=now,
                                expires_at=now + timedelta(seconds=max_age)))
        return token, csrf

    def session_user(self, token: str) -> tuple[User, str] | None:
        """(user, CSRF token) of a live session of an active user, or None."""
        with self.read() as s:
            row = s.execute(select(User, SessionRecord.csrf).join(SessionRecord, SessionRecord.user_id == User.id)
                            .where(SessionRecord.token_hash == token_hash(token),
                                   SessionRecord.expires_at > utcnow())).first()
        if row is None or not row[0].active:
            return None
        return row[0], row[1]

    def end_session(self, token: str) -> None:
        with self.write() as s:
            s.execute(delete(SessionRecord).where(SessionRecord.token_hash == token_hash(token)))

    def end_sessions(self, user_id: int) -> None:
        with self.write() as s:
            s.execute(delete(SessionRecord).where(SessionRecord.user_id == user_id))

    def count_sessions(self, user_id: int | None = None) -> int:
        with self.read() as s:
            q = select(func.count(SessionRecord.id))
            if user_id is not None:
                q = q.where(SessionRecord.user_id == user_id)
            return s.scalar(q) or 0
