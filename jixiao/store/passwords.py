"""Password hashing with argon2id (argon2-cffi), and the one password policy of CLI, web and API."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

#: argon2id with the OWASP-recommended minimum (19 MiB, 2 passes, 1 lane): safe, and quick enough that a
#: login costs tens of milliseconds on a small shared server. Old hashes with other parameters still verify.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)

MIN_LENGTH = 8
MAX_LENGTH = 1024


def check_password(password: str, name: str | None = None) -> None:
    """Raise ValueError (a Chinese reason) unless ``password`` meets the policy every door shares:
    at least 8 characters that are not all blank, not one character repeated, not the user name."""
    if not isinstance(password, str) or len(password) < MIN_LENGTH:
        raise ValueError(f"密码至少 {MIN_LENGTH} 个字符 (password too short)")
    if len(password) > MAX_LENGTH:
        raise ValueError(f"密码不能超过 {MAX_LENGTH} 个字符 (password too long)")
    if not password.strip():
        raise ValueError("密码不能全是空白字符 (blank password)")
    if len(set(password)) == 1:
        raise ValueError("密码不能由同一个字符重复组成 (one repeated character)")
    if name and password.strip().lower() == name.strip().lower():
        raise ValueError("密码不能与用户名相同 (password equals the user name)")


def hash_password(password: str) -> str:
    if not password:
        raise ValueError("密码不能为空 (empty password)")
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
