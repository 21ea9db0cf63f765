"""Identity writes: registration, staff and roles, login, TOTP.

Every service runs in one transaction and writes an audit entry; personal data enters the audit log
only masked.
"""

from __future__ import annotations

from typing import Any

import pyotp
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest

from govplus.core.audit import audit_record
from govplus.core.crypto import (
    decrypt_text,
    encrypt_text,
    lookup_hash,
    mask_id_number,
    mask_middle,
    mask_name,
    mask_phone,
)
from govplus.core.errors import Conflict, NotAuthenticated, RateLimited, ValidationFailed
from govplus.identity.backends import request_address
from govplus.identity.models import BusinessProfile, CitizenProfile, Department, Role, StaffRole, User
from govplus.identity.throttle import login_failure_note, login_success_note
from govplus.identity.validators import credit_code_problem, id_number_problem, phone_problem


def _password_problems(password: str, user: User | None = None) -> list[str]:
    try:
        validate_password(password, user)
    except DjangoValidationError as error:
        return [f"{message} / password too weak" for message in error.messages]
    return []


def _new_user(*, username: str, password: str, kind: str, display_name: str, phone: str, email: str = "") -> User:
    user = User(username=username, kind=kind, display_name=display_name, email=email)
    user.set_password(password)
    if phone:
        user.phone_encrypted = encrypt_text(phone)
        user.phone_hash = lookup_hash(phone)
    user.save()
    return user


def citizen_register(*, username: str, password: str, name: str, id_number: str, phone: str, email: str = "") -> User:
    """Register a natural person with real-name data. One account per identity number."""
    id_number = id_number.strip().upper()
    fields: dict[str, list[str]] = {}
    if not username.strip() or len(username) > 150:
        fields["username"] = ["请填写用户名（150字以内）/ enter a username (max 150)"]
    elif User.objects.filter(username=username).exists():
        fields["username"] = ["该用户名已被使用 / this username is taken"]
    if not 2 <= len(name.strip()) <= 30:
        fields["name"] = ["请填写2至30字的真实姓名 / enter your legal name (2-30 characters)"]
    if problem := id_number_problem(id_number):
        fields["id_number"] = [problem]
    elif CitizenProfile.objects.filter(id_number_hash=lookup_hash(id_number)).exists():
        fields["id_number"] = ["该身份证号已注册，请直接登录 / this ID number is already registered; sign in"]
    if problem := phone_problem(phone):
        fields["phone"] = [problem]
    if problems := _password_problems(password):
        fields["password"] = problems
    if fields:
        raise ValidationFailed(fields)
    try:
        with transaction.atomic():
            user = _new_user(
                username=username,
                password=password,
                kind=User.Kind.CITIZEN,
                # The full name is kept encrypted in the profile only: a database dump names nobody.
                display_name=mask_name(name.strip()),
                phone=phone.strip(),
                email=email,
            )
            CitizenProfile.objects.create(
                user=user,
                name_encrypted=encrypt_text(name.strip()),
                id_number_encrypted=encrypt_text(id_number),
                id_number_hash=lookup_hash(id_number),
            )
            audit_record(
                actor=user,
                action="identity.citizen_register",
                object_type="user",
                object_id=user.pk,
                changes={"id_number": mask_id_number(id_number), "phone": mask_phone(phone)},
            )
    except IntegrityError as error:  # a concurrent registration with the same identity won the race
        raise ValidationFailed({"id_number": ["该身份证号已注册 / already registered"]}) from error
    return user


def business_register(
    *, username: str, password: str, name: str, credit_code: str, representative: str, phone: str
) -> User:
    credit_code = credit_code.strip().upper()
    fields: dict[str, list[str]] = {}
    if User.objects.filter(username=username).exists():
        fields["username"] = ["该用户名已被使用 / this username is taken"]
    if not name.strip():
        fields["name"] = ["请填写单位名称 / enter the organisation's name"]
    if problem := credit_code_problem(credit_code):
        fields["credit_code"] = [problem]
    elif BusinessProfile.objects.filter(credit_code=credit_code).exists():
        fields["credit_code"] = ["该统一社会信用代码已注册 / this credit code is already registered"]
    if problem := phone_problem(phone):
        fields["phone"] = [problem]
    if problems := _password_problems(password):
        fields["password"] = problems
    if fields:
        raise ValidationFailed(fields)
    with transaction.atomic():
        user = _new_user(
            username=username, password=password, kind=User.Kind.BUSINESS, display_name=name.strip(), phone=phone
        )
        BusinessProfile.objects.create(
            user=user,
            name=name.strip(),
            credit_code=credit_code,
            representative_encrypted=encrypt_text(representative.strip()) if representative.strip() else "",
        )
        audit_record(
            actor=user,
            action="identity.business_register",
            object_type="user",
            object_id=user.pk,
            changes={"credit_code": credit_code},
        )
    return user


def staff_create(
    *,
    actor: Any,
    username: str,
    password: str,
    display_name: str,
    roles: list[tuple[Department, str]],
    phone: str = "",
    is_superuser: bool = False,
) -> User:
    """Create a staff member with roles in departments (platform admin's job)."""
    with transaction.atomic():
        user = _new_user(
            username=username, password=password, kind=User.Kind.STAFF, display_name=display_name, phone=phone
        )
        if is_superuser:
            user.is_staff = user.is_superuser = True
            user.save(update_fields=["is_staff", "is_superuser"])
        for department, role in roles:
            StaffRole.objects.create(user=user, department=department, role=Role(role))
            if role in (Role.PLATFORM_ADMIN, Role.DEPARTMENT_ADMIN) and not user.is_staff:
                user.is_staff = True
                user.save(update_fields=["is_staff"])
        audit_record(
            actor=actor,
            action="identity.staff_create",
            object_type="user",
            object_id=user.pk,
            changes={"roles": [[department.code, role] for department, role in roles]},
        )
    return user


def _username_masked(username: str) -> str:
    """The audit log names who tried to sign in without holding the name someone typed in full."""
    return mask_middle(username.strip()[:150], 1, 1)


def _login_refused(*, username: str, user_id: int | None, reason: str) -> None:
    with transaction.atomic():
        audit_record(
            actor=None,
            action="identity.login_failure",
            object_type="user",
            object_id=user_id or "",
            changes={"username": _username_masked(username), "reason": reason},
        )


def _login_locked(*, username: str, user_id: int | None, seconds: int) -> RateLimited:
    with transaction.atomic():
        audit_record(
            actor=None,
            action="identity.login_lockout",
            object_type="user",
            object_id=user_id or "",
            changes={"username": _username_masked(username), "minutes": seconds // 60},
        )
    return _locked_error(seconds)


def _locked_error(seconds: int) -> RateLimited:
    minutes = max(1, -(-seconds // 60))
    return RateLimited(
        f"登录失败次数过多，请 {minutes} 分钟后再试。",
        f"Too many failed sign-in attempts; try again in {minutes} minutes.",
        retry_after=seconds,
        code="account_locked",
    )


def login_authenticate(*, request: HttpRequest, username: str, password: str, totp_code: str = "") -> User:
    """Check the password and, for staff who enabled it, the TOTP code, under the sign-in throttle
    (`identity/throttle.py`: per username and address, plus per address).

    An unknown username and a wrong password get the same answer, and so does a locked pair whatever
    the account: nothing tells a guesser which usernames exist. Success and failure are audited with
    the username masked; a throttled attempt is refused unchecked and not audited (its lockout was).
    """
    user = authenticate(request, username=username, password=password)
    retry_after = int(getattr(request, "govplus_retry_after", 0) or 0)
    user_id = getattr(request, "govplus_login_user_id", None)
    if getattr(request, "govplus_locked", False):
        _login_refused(username=username, user_id=user_id, reason="password")
        raise _login_locked(username=username, user_id=user_id, seconds=retry_after)
    if retry_after:
        raise _locked_error(retry_after)
    if user is None:
        _login_refused(username=username, user_id=user_id, reason="password")
        raise NotAuthenticated(
            "用户名或密码错误。", "Wrong username or password.", fields={"password": ["用户名或密码错误"]}
        )
    assert isinstance(user, User)
    address = request_address(request)
    if user.is_totp_enabled:
        secret = decrypt_text(user.totp_secret_encrypted)
        if not totp_code or not pyotp.TOTP(secret).verify(totp_code.strip(), valid_window=1):
            if totp_code:  # the first step (password only) is not a failure; a wrong code is
                _login_refused(username=username, user_id=user.pk, reason="totp")
                if locked_for := login_failure_note(username=username, address=address):
                    raise _login_locked(username=username, user_id=user.pk, seconds=locked_for)
            raise NotAuthenticated(
                "请输入正确的6位动态口令。",
                "Enter the 6-digit code from your authenticator app.",
                fields={"totp_code": ["动态口令错误 / wrong one-time code"]},
                code="totp_required",
            )
    login_success_note(username=username, address=address)
    with transaction.atomic():
        audit_record(
            actor=user,
            action="identity.login",
            object_type="user",
            object_id=user.pk,
            changes={"totp": user.is_totp_enabled},
        )
    return user


def totp_begin(*, actor: User) -> str:
    """Create a new TOTP secret (not yet enabled); returns the otpauth:// URI for the QR code.

    Refused while TOTP is enabled: a new secret would silently switch the second factor off, so
    whoever holds a session could drop it; turning it off takes a current code (`totp_disable`)."""
    actor.refresh_from_db(fields=["is_totp_enabled"])
    if actor.is_totp_enabled:
        raise Conflict("动态口令已启用；如需更换，请先停用。", "TOTP is already on; turn it off first to replace it.")
    secret = pyotp.random_base32()
    with transaction.atomic():
        User.objects.filter(pk=actor.pk).update(totp_secret_encrypted=encrypt_text(secret), is_totp_enabled=False)
        audit_record(actor=actor, action="identity.totp_begin", object_type="user", object_id=actor.pk)
    return pyotp.TOTP(secret).provisioning_uri(name=actor.username, issuer_name="govplus")


def totp_disable(*, actor: User, code: str) -> None:
    """Turn TOTP off, proven by a current code from the authenticator app (a session alone is not
    enough: it may be someone else's hands on an unlocked computer)."""
    actor.refresh_from_db()
    if not actor.is_totp_enabled:
        return
    if not pyotp.TOTP(decrypt_text(actor.totp_secret_encrypted)).verify(code.strip(), valid_window=1):
        raise ValidationFailed({"code": ["动态口令错误 / wrong one-time code"]})
    with transaction.atomic():
        User.objects.filter(pk=actor.pk).update(is_totp_enabled=False, totp_secret_encrypted="")
        audit_record(actor=actor, action="identity.totp_disable", object_type="user", object_id=actor.pk)


def totp_enable(*, actor: User, code: str) -> None:
    """Enable TOTP after the user proves the authenticator app works."""
    actor.refresh_from_db()
    if not actor.totp_secret_encrypted or not pyotp.TOTP(decrypt_text(actor.totp_secret_encrypted)).verify(
        code.strip(), valid_window=1
    ):
        raise ValidationFailed({"code": ["动态口令错误 / wrong one-time code"]})
    with transaction.atomic():
        User.objects.filter(pk=actor.pk).update(is_totp_enabled=True)
        audit_record(actor=actor, action="identity.totp_enable", object_type="user", object_id=actor.pk)


def regions_departments_import(*, actor: Any, regions: list[dict[str, Any]], departments: list[dict[str, Any]]) -> None:
    """Load GB/T 2260 regions (parents first) and the department tree; existing codes are updated."""
    from govplus.identity.models import Region

    with transaction.atomic():
        by_code: dict[str, Region] = {}
        pending = list(regions)
        while pending:
            progressed = []
            for raw in pending:
                parent_code: str = raw.get("parent") or ""
                if parent_code and parent_code not in by_code and not Region.objects.filter(code=parent_code).exists():
                    continue
                parent = by_code.get(parent_code) or (Region.objects.get(code=parent_code) if parent_code else None)
                region, _ = Region.objects.update_or_create(
                    code=raw["code"], defaults={"name": raw["name"], "level": raw["level"], "parent": parent}
                )
                by_code[region.code] = region
                progressed.append(raw)
            if not progressed:
                raise ValidationFailed({"regions": ["上级区划不存在 / unknown parent region"]})
            pending = [raw for raw in pending if raw not in progressed]
        county = Region.objects.filter(level=Region.Level.COUNTY).order_by("code").first()
        for raw in sorted(departments, key=lambda d: d.get("parent") is not None):
            Department.objects.update_or_create(
                code=raw["code"],
                defaults={
                    "name": raw["name"],
                    "name_en": raw.get("name_en", ""),
                    "short_name": raw.get("short_name", ""),
                    "parent": Department.objects.filter(code=raw["parent"]).first() if raw.get("parent") else None,
                    "region": county,
                    "credit_code": raw.get("credit_code", ""),
                    "phone": raw.get("phone", ""),
                    "address": raw.get("address", ""),
                    "hours": raw.get("hours", ""),
                },
            )
        audit_record(
            actor=actor,
            action="identity.regions_departments_import",
            object_type="department",
            changes={"regions": len(regions), "departments": len(departments)},
        )


def totp_current_uri(*, actor: User) -> str:
    """The provisioning URI of the secret being set up (so a mistyped code does not change the QR)."""
    actor.refresh_from_db()
    if not actor.totp_secret_encrypted:
        return totp_begin(actor=actor)
    return pyotp.TOTP(decrypt_text(actor.totp_secret_encrypted)).provisioning_uri(
        name=actor.username, issuer_name="govplus"
    )
