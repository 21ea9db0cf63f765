"""Bulk-load the licence library for the wallet and register benchmarks (PostgreSQL COPY, batches of 50,000).

    python bench/load_licences.py --total 100000     # top the library up to 100,000 licences
    python bench/load_licences.py --measure          # in-process p50/p95 of the wallet and register reads

Target (issue "wallet and register lists"): p95 < 50 ms at 16 clients with 1,000,000 licences, and the
curve from 10,000: load 10k, 100k, 1M in turn (`--total` counts the library, the loader adds the
difference) and measure at each size — over HTTP with run_bench.py once the wallet (/my/licences) and
register pages exist, and here with `--measure` (the selectors the pages call, in this process: the
floor under the page figure). What it writes, per licence:

- holders: every citizen and business account there is (the demo's, load_cases' and setup_clients'),
  and holders without an account (only their code's keyed hash) up to about total/4 citizens and
  total/40 businesses, so the wallet query meets the real mix of `holder_id` and `holder_code_hash`;
  the demo citizen 张三 holds about 10 (the seed's 7, topped up), real ciphertexts included;
- types by weight (居民身份证, 居民户口簿, 社会保障卡 and 驾驶证 the most), each issued by a department its
  catalogue entry names (公安局 for one that names none); citizen types to citizens, business types to
  businesses; the identifiers from each (type, issuer) serial range and the Token Status List positions
  from one range taken through the library's own counters, so later issues and imports stay consistent;
- issued over the last 20 years; 93% valid, 3% expired, 2% cancelled, 1% suspended, 1% revoked; 90%
  imported, 10% issued; one history row (LicenceEvent) each; names, codes and faces from a pool of real
  AES-GCM ciphertexts (the lookup hash is always the holder's own).

FK triggers are skipped during COPY (session_replication_role=replica, inside the transaction only) —
the rows are generated consistent — and the tables are VACUUM ANALYZEd and checkpointed at the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import io
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

import django

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from govplus.core.crypto import encrypt_text, lookup_hash, mask_id_number, mask_name  # noqa: E402
from govplus.identity.models import BusinessProfile, CitizenProfile, Department, Role, StaffRole, User  # noqa: E402
from govplus.identity.validators import credit_check_char, id_check_char  # noqa: E402
from govplus.licences.identifiers import licence_id_make  # noqa: E402
from govplus.licences.models import Licence, LicenceType  # noqa: E402
from govplus.licences.selectors import licence_register, licences_of_holder  # noqa: E402
from govplus.licences.services import _serial_take, status_indices_take  # noqa: E402

WEIGHTS = {
    "居民身份证": 22,
    "居民户口簿": 18,
    "中华人民共和国社会保障卡": 14,
    "机动车驾驶证": 10,
    "不动产权证书": 8,
    "营业执照": 7,
    "结婚证": 5,
    "食品经营许可证": 3,
    "浙江省居住证": 3,
}
STATUSES = [("valid", 93), ("expired", 3), ("cancelled", 2), ("suspended", 1), ("revoked", 1)]
DEMO_CITIZEN_HOLDS = 10


def esc(value: object) -> str:
    """A value in PostgreSQL COPY text format."""
    if value is None:
        return "\\N"
    text = str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def row(*values: object) -> str:
    return "\t".join(esc(v) for v in values) + "\n"


class Loader:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.rng = random.Random(args.seed)
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.departments = {d.code: d for d in Department.objects.all()}
        self.by_id = {d.pk: d for d in self.departments.values()}
        self.types: list[tuple[LicenceType, list[Department], int]] = []
        for licence_type in LicenceType.objects.filter(is_active=True).order_by("code"):
            codes = [e["department"] for e in licence_type.issued_by or [] if e.get("department") in self.departments]
            issuers = [self.departments[c] for c in dict.fromkeys(codes)] or [self.departments["gaj"]]
            self.types.append((licence_type, issuers, WEIGHTS.get(licence_type.name, 1)))
        self.plain = [f"压测持证人{n}" for n in range(64)]
        self.pool = [encrypt_text(text) for text in self.plain]
        self.faces = [encrypt_text(json.dumps({"note": f"压测照面{n}"}, ensure_ascii=False)) for n in range(64)]
        self.counts = {"licences": 0, "events": 0}

    def holders(self, kind: str, wanted: int) -> list[tuple[int | None, str]]:
        """(account id or None, lookup hash of the holder's code), accounts first, then account-less ones."""
        if kind == LicenceType.HolderKind.CITIZEN:
            found: list[tuple[int | None, str]] = list(
                CitizenProfile.objects.exclude(user__username="citizen").values_list("user_id", "id_number_hash")
            )
        else:
            found = [
                (user_id, lookup_hash(code))
                for user_id, code in BusinessProfile.objects.exclude(user__username="business").values_list(
                    "user_id", "credit_code"
                )
            ]
        for index in range(max(0, wanted - len(found))):
            if kind == LicenceType.HolderKind.CITIZEN:  # region 330524: apart from every other generator's
                birth = dt.date(1940, 1, 1) + dt.timedelta(days=index // 900 * 7 % 25000)
                first17 = f"330524{birth:%Y%m%d}{index % 900 + 100:03d}"
                code = first17 + id_check_char(first17)
            else:
                first17 = f"91330524MA{index:07d}"
                code = first17 + credit_check_char(first17)
            found.append((None, lookup_hash(code)))
        return found

    def run(self) -> None:
        self.demo_citizen()
        existing = Licence.objects.count()
        to_add = self.args.total - existing
        if to_add <= 0:
            print(f"load_licences: already {existing} licences (>= {self.args.total}); nothing to do", file=sys.stderr)
            return
        started = time.perf_counter()
        citizens = self.holders(LicenceType.HolderKind.CITIZEN, max(1000, self.args.total // 4))
        businesses = self.holders(LicenceType.HolderKind.BUSINESS, max(100, self.args.total // 40))
        print(
            f"load_licences: {existing} licences present, adding {to_add} "
            f"({len(citizens)} citizen and {len(businesses)} business holders)",
            file=sys.stderr,
        )
        done = 0
        while done < to_add:
            size = min(self.args.batch, to_add - done)
            with transaction.atomic():
                self.batch(size, citizens, businesses)
            done += size
            rate = done / (time.perf_counter() - started)
            print(f"load_licences: {existing + done} licences ({rate:,.0f}/s)", file=sys.stderr)
        with connection.cursor() as cursor:
            for table in ("licences_licence", "licences_licenceevent", "licences_licenceserial"):
                cursor.execute(f"VACUUM (ANALYZE) {table}")
            cursor.execute("CHECKPOINT")
        print(f"load_licences: done in {time.perf_counter() - started:.0f} s: {self.counts}", file=sys.stderr)

    def demo_citizen(self) -> None:
        """张三 holds about ten: the seed's, topped up through the library's service (real ciphertexts)."""
        from govplus.licences.services import licence_issue

        citizen = User.objects.filter(username="citizen").first()
        if citizen is None:
            return
        profile = CitizenProfile.objects.get(user=citizen)
        held = set(Licence.objects.filter(holder=citizen).values_list("licence_type_id", flat=True))
        sex = "男" if int(profile.id_number[16]) % 2 else "女"
        missing = [(t, i) for t, i, _ in self.types if t.holder_kind == "citizen" and t.pk not in held]
        for licence_type, issuers in missing[: max(0, DEMO_CITIZEN_HOLDS - len(held))]:
            face = {}
            for entry in licence_type.face_schema:
                if entry.get("required"):
                    kind = entry.get("type")
                    face[entry["name"]] = sex if kind == "enum" else "2015-01-01" if kind == "date" else "压测"
            licence_issue(
                actor=None,
                licence_type=licence_type,
                issuer=issuers[0],
                holder=citizen,
                holder_name=profile.name,
                holder_code=profile.id_number,
                face=face,
                issued_on=dt.date(2018, 5, 1),
                jurisdiction="330521",
                origin=Licence.Origin.IMPORTED,
                notify=False,
            )

    def batch(
        self, size: int, citizens: list[tuple[int | None, str]], businesses: list[tuple[int | None, str]]
    ) -> None:
        rng = self.rng
        picks = rng.choices(self.types, [w for _, _, w in self.types], k=size)
        plan: dict[tuple[int, int], list[int]] = {}
        issuer_of: list[Department] = []
        for index, (licence_type, issuers, _) in enumerate(picks):
            issuer = rng.choice(issuers)
            issuer_of.append(issuer)
            plan.setdefault((licence_type.pk, issuer.pk), []).append(index)
        serials: dict[int, int] = {}
        for (type_id, issuer_id), indices in plan.items():
            licence_type = next(t for t, _, _ in self.types if t.pk == type_id)
            first = _serial_take(licence_type, self.by_id[issuer_id].credit_code, len(indices))
            for offset, index in enumerate(indices):
                serials[index] = first + offset
        first_index = status_indices_take(size)
        with connection.cursor() as django_cursor:
            cursor = django_cursor.cursor
            cursor.execute("LOCK TABLE licences_licence, licences_licenceevent IN EXCLUSIVE MODE")
            cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute("SELECT coalesce(max(id), 0) FROM licences_licence")
            licence_pk = cursor.fetchone()[0] + 1
            cursor.execute("SELECT coalesce(max(id), 0) FROM licences_licenceevent")
            event_pk = cursor.fetchone()[0] + 1
            licences, events = io.StringIO(), io.StringIO()
            for index, (licence_type, _, _) in enumerate(picks):
                issuer = issuer_of[index]
                citizen = licence_type.holder_kind == LicenceType.HolderKind.CITIZEN
                holder_id, holder_hash = rng.choice(citizens if citizen else businesses)
                serial = serials[index]
                licence_id = licence_id_make(type_code=licence_type.code, issuer_code=issuer.credit_code, serial=serial)
                issued = self.today - dt.timedelta(days=rng.randrange(1, 365 * 20))
                years = licence_type.validity_years
                until = issued.replace(year=issued.year + years, day=min(issued.day, 28)) if years else None
                status = rng.choices([s for s, _ in STATUSES], [w for _, w in STATUSES])[0]
                if until is not None and until < self.today and status == "valid":
                    status = "expired"
                origin = "imported" if rng.random() < 0.9 else "issued"
                created = self.now - dt.timedelta(minutes=rng.randrange(0, 60 * 24 * 30))
                licences.write(
                    row(
                        licence_pk,
                        licence_id,
                        licence_type.pk,
                        issuer.pk,
                        issuer.name,
                        issuer.credit_code,
                        holder_id,
                        self.pool[serial % 64],
                        self.pool[(serial + 7) % 64],
                        holder_hash,
                        licence_type.holder_code_type,
                        mask_name(self.plain[serial % 64]) if citizen else self.plain[serial % 64],
                        mask_id_number(self.plain[(serial + 7) % 64]) if citizen else self.plain[(serial + 7) % 64],
                        f"L{serial:09d}",
                        issued,
                        issued,
                        until,
                        "330521",
                        self.faces[serial % 64],
                        status,
                        None if status in ("valid", "expired") else created,
                        origin,
                        None,
                        None,
                        first_index + index,
                        hashlib.sha256(licence_id.encode()).hexdigest(),
                        "",
                        "",
                        created,
                    )
                )
                events.write(
                    row(event_pk, "import" if origin == "imported" else "issue", "", "压测", created, None, licence_pk)
                )
                licence_pk += 1
                event_pk += 1
            with cursor.copy(
                "COPY licences_licence (id, licence_id, licence_type_id, issuer_id, issuer_name, issuer_code, "
                "holder_id, holder_name_encrypted, holder_code_encrypted, holder_code_hash, holder_code_type, "
                "holder_name_shown, holder_code_shown, number, "
                "issued_on, valid_from, valid_until, jurisdiction, face_encrypted, status, status_changed_at, origin, "
                "application_id, issued_for_event, status_index, digest, pdf_path, pdf_digest, created_at) FROM STDIN"
            ) as copy:
                copy.write(licences.getvalue())
            if not self.args.no_events:
                columns = "id, kind, reason, actor_name, occurred_at, actor_id, licence_id"
                with cursor.copy(f"COPY licences_licenceevent ({columns}) FROM STDIN") as copy:
                    copy.write(events.getvalue())
                self.counts["events"] += size
            for table in ("licences_licence", "licences_licenceevent"):
                last = f"(SELECT coalesce(max(id), 1) FROM {table})"
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {last})")
        self.counts["licences"] += size


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure(args: argparse.Namespace) -> None:
    """The reads the wallet and register pages make, in-process: not the HTTP figure, its floor."""
    rng = random.Random(1)
    ids = sorted(set(Licence.objects.filter(holder__isnull=False).values_list("holder_id", flat=True)[:50_000]))
    holders = [User.objects.get(pk=pk) for pk in rng.sample(ids, min(len(ids), args.samples))]
    holders.append(User.objects.get(username="citizen"))
    wallet: list[float] = []
    for user in holders:
        started = time.perf_counter()
        licences_of_holder(holder=user, limit=20)
        wallet.append((time.perf_counter() - started) * 1000)
    staff = [
        role.user
        for role in StaffRole.objects.filter(role__in=[Role.APPROVER, Role.DEPARTMENT_ADMIN]).select_related("user")
    ]
    register: list[float] = []
    for _ in range(args.samples):
        actor = rng.choice(staff)
        started = time.perf_counter()
        licence_register(actor=actor, status=rng.choice(["", "valid"]), limit=50)
        register.append((time.perf_counter() - started) * 1000)
    result = {
        "scenario": "licence_lists_inprocess",
        "licences": Licence.objects.count(),
        "wallet_p50_ms": round(statistics.median(wallet), 1),
        "wallet_p95_ms": round(percentile(wallet, 0.95), 1),
        "register_p50_ms": round(statistics.median(register), 1),
        "register_p95_ms": round(percentile(register, 0.95), 1),
        "samples": len(wallet),
        "at": dt.datetime.now().isoformat(timespec="seconds"),
    }
    print(json.dumps(result, ensure_ascii=False))
    var = Path(os.environ.get("BENCH_VAR", "/tmp/govplus-bench"))
    with (var / "results.jsonl").open("a") as out:
        out.write(json.dumps(result, ensure_ascii=False) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--total", type=int, default=0, help="licences wanted in the library")
    parser.add_argument("--batch", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: derived from --total)")
    parser.add_argument("--no-events", action="store_true", help="skip the history row of each licence")
    parser.add_argument("--measure", action="store_true", help="time the wallet and register reads in-process")
    parser.add_argument("--samples", type=int, default=300)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("load_licences: PostgreSQL only (COPY); source bench/env.sh")
    if args.total:
        args.seed = args.total if args.seed is None else args.seed
        Loader(args).run()
    if args.measure:
        measure(args)
    if not args.total and not args.measure:
        parser.error("give --total N, --measure, or both")


if __name__ == "__main__":
    main()
