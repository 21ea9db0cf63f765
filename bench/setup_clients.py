"""Create the benchmark's clients and request files (run after `govplus seed_demo --force`).

Writes into $BENCH_VAR/work/:
  citizens.tokens   one Bearer token per line, for a few hundred synthetic citizens (OAuth2 AccessTokens
                    created directly, as the OIDC provider would have issued them)
  submit-*.json     POST /api/v1/applications bodies: submit=true with the applicant's 100 KB PDF and a
                    20 KB scan of the one licence material, in base64 (the same bodies at every commit:
                    before issue #6 a licence material was not required, after it it is until the
                    licences module supplies it)
  staff.json        Bearer tokens and a session cookie for the workbench users
  guide.paths, search.paths, api-search.paths   URL lists for the read benchmarks

Usage:  python bench/setup_clients.py [--citizens 300]
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import os
import random
import secrets
import sys
from pathlib import Path
from urllib.parse import quote

import django

django.setup()

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.utils import timezone  # noqa: E402
from oauth2_provider.models import AccessToken, get_application_model  # noqa: E402

from govplus.catalog.models import Material, ServiceItem  # noqa: E402
from govplus.core.crypto import encrypt_text, lookup_hash  # noqa: E402
from govplus.identity.models import CitizenProfile, User  # noqa: E402
from govplus.identity.validators import id_check_char  # noqa: E402

WORK = Path(os.environ.get("BENCH_VAR", "/tmp/govplus-bench")) / "work"
SCOPE = "openid profile applications tasks"
# Items whose online application needs one applicant-supplied material and one licence material, both of
# which may be PDFs.
SUBMIT_ITEMS = [
    "11330521002583510X000105001000",  # 居民身份证换领 (公安局)
    "11330521002583510X000105002000",  # 居民身份证首次申领 (公安局)
    "11330521002583510X000105005000",  # 居住证申领 (公安局)
    "11330521MB1819368C000107001000",  # 医保异地就医备案 (医保局)
    "11330521002583430A000104006000",  # 就业创业证申领 (人社局)
]
LICENCE_SCAN_BYTES = 20 * 1024
GUIDE_CODES = [
    "11330521002583510X000105001000",
    "11330521MB18194480000108001000",
    "11330521002583430A000104004000",
    "113305210025840549000117001000",
    "11330521002583350N000103001000",
    "11330521MB1819528K000110002000",
    "113305210025832703000102001000",
    "11330521MB1819368C000107001000",
]
QUERIES = [
    "身份证",
    "居民身份证换领",
    "社保卡",
    "公积金提取",
    "营业执照",
    "结婚",
    "出生",
    "养老保险",
    "低保",
    "残疾人",
    "医保",
    "开办企业",
    "不动产",
    "食品经营许可",
    "我要办理居住证",
    "退休",
]


def pdf_of(size: int, rng: random.Random) -> bytes:
    """A syntactically plausible PDF of exactly `size` bytes (random stream content, like a scan)."""
    preamble = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    head = preamble + b"1 0 obj<</Length " + str(size).encode() + b">>stream\n"
    end = b"\nendstream endobj\n"
    xref = (
        b"xref\n0 2\n0000000000 65535 f \n%010d 00000 n \ntrailer<</Size 2 /Root 1 0 R>>\nstartxref\n%010d\n%%%%EOF\n"
    )
    tail_length = len(end) + len(xref % (0, 0))
    xref_at = size - tail_length + len(end)
    return head + rng.randbytes(size - len(head) - tail_length) + end + xref % (len(preamble), xref_at)


def sample_value(field: dict, rng: random.Random) -> str:
    kind = field.get("type")
    if kind == "select":
        return str(rng.choice(field.get("options") or [""]))
    if kind == "phone":
        return f"139{rng.randrange(10**7, 10**8)}"
    if kind == "idcard":
        first17 = (
            f"330521{rng.randrange(1960, 2005)}0{rng.randrange(1, 10)}1{rng.randrange(0, 10)}{rng.randrange(100, 999)}"
        )
        return first17 + id_check_char(first17)
    if kind == "date":
        return (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    if kind == "number":
        return "3"
    if kind == "address":
        return "德清县武康街道英溪南路1号"
    return "压测填写内容"


def citizens_create(count: int, rng: random.Random) -> list[User]:
    existing = list(User.objects.filter(username__startswith="benchcitizen").order_by("username"))
    if len(existing) >= count:
        return existing[:count]
    users, identities = [], []
    for index in range(len(existing), count):
        phone = f"137{index:08d}"
        user = User(
            username=f"benchcitizen{index:05d}",
            kind=User.Kind.CITIZEN,
            display_name=f"压测居民{index}",
            phone_encrypted=encrypt_text(phone),
            phone_hash=lookup_hash(phone),
        )
        user.set_unusable_password()
        users.append(user)
        # Unique for up to 40 * 12 * 1000 citizens; a valid birth date keeps the number realistic.
        first17 = f"330521{1960 + index % 40}{1 + index // 40 % 12:02d}{1 + index % 28:02d}{index % 1000:03d}"
        identities.append(first17 + id_check_char(first17))
    User.objects.bulk_create(users)
    created = {u.username: u for u in User.objects.filter(username__in=[u.username for u in users])}
    CitizenProfile.objects.bulk_create(
        CitizenProfile(
            user=created[user.username],
            name_encrypted=encrypt_text(user.display_name),
            id_number_encrypted=encrypt_text(number),
            id_number_hash=lookup_hash(number),
            verified_at=timezone.now(),
        )
        for user, number in zip(users, identities, strict=True)
    )
    return list(User.objects.filter(username__startswith="benchcitizen").order_by("username"))[:count]


def token_for(user: User, app) -> str:  # type: ignore[no-untyped-def]
    token = secrets.token_urlsafe(32)
    AccessToken.objects.create(
        user=user, application=app, token=token, scope=SCOPE, expires=timezone.now() + dt.timedelta(days=2)
    )
    return token


def session_for(user: User) -> str:
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "govplus.identity.backends.LockoutModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.set_expiry(2 * 24 * 3600)
    store.create()
    return store.session_key  # type: ignore[return-value]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--citizens", type=int, default=300)
    args = parser.parse_args()
    rng = random.Random(20261122)
    WORK.mkdir(parents=True, exist_ok=True)
    app, _ = get_application_model().objects.get_or_create(
        client_id="govplus-bench",
        defaults={
            "name": "govplus benchmark",
            "client_type": "confidential",
            "authorization_grant_type": "client-credentials",
            "client_secret": secrets.token_urlsafe(24),
        },
    )
    citizens = citizens_create(args.citizens, rng)
    (WORK / "citizens.tokens").write_text("".join(token_for(u, app) + "\n" for u in citizens))

    for old in WORK.glob("submit-*.json"):
        old.unlink()
    for index, code in enumerate(SUBMIT_ITEMS):
        item = ServiceItem.objects.get(code=code)
        required = [m for m in item.materials.all() if m.is_required and m.source != Material.Source.SHARED_DATA]
        own = [m for m in required if m.source == Material.Source.APPLICANT]
        licence = [m for m in required if m.source == Material.Source.LICENCE]
        assert len(own) == 1 and len(licence) == 1, (code, required)
        assert all("pdf" in m.accepted_types for m in required), (code, required)
        body = {
            "service_code": code,
            "channel": "api",
            "submit": True,
            "form": {f["name"]: sample_value(f, rng) for f in item.form_fields},
            "materials": [
                {
                    "material_code": material.code,
                    "filename": "scan.pdf",
                    "content_base64": base64.b64encode(pdf_of(size, rng)).decode(),
                }
                for material, size in ((own[0], 100 * 1024), (licence[0], LICENCE_SCAN_BYTES))
            ],
        }
        (WORK / f"submit-{index}.json").write_text(json.dumps(body, ensure_ascii=False))

    staff = {}
    for username in ("clerk", "rsj.reviewer", "reviewer"):
        user = User.objects.get(username=username)
        staff[username] = {
            "token": token_for(user, app),
            "session": session_for(user),
            "queues": user.staff_roles.count(),
        }
    (WORK / "staff.json").write_text(json.dumps(staff, indent=2))

    (WORK / "guide.paths").write_text("".join(f"/services/{code}/\n" for code in GUIDE_CODES))
    (WORK / "search.paths").write_text("".join(f"/services/?q={quote(q)}\n" for q in QUERIES))
    (WORK / "api-search.paths").write_text("".join(f"/api/v1/services?q={quote(q)}\n" for q in QUERIES))
    (WORK / "bare.paths").write_text("/bench/bare\n")
    print(
        f"setup_clients: {len(citizens)} citizens with tokens, {len(SUBMIT_ITEMS)} submit bodies, "
        f"staff {sorted(staff)} -> {WORK}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
