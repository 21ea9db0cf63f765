#!/usr/bin/env python3
"""Validate the demo county catalogue (county.json) and print a summary.

Stand-alone, standard library only:

    python3 src/govplus/catalog/demo/check_county.py [path/to/county.json]

Exits 0 when every rule passes, 1 (after listing every violation) otherwise.
"""

from __future__ import annotations

import collections
import datetime
import json
import os
import re
import sys

# --------------------------------------------------------------------------- enums
ITEM_TYPES = {
    "administrative_licensing",
    "administrative_confirmation",
    "administrative_payment",
    "administrative_ruling",
    "administrative_reward",
    "administrative_collection",
    "administrative_penalty",
    "administrative_enforcement",
    "administrative_inspection",
    "other_power",
    "public_service",
}
ENFORCEMENT_TYPES = {"administrative_penalty", "administrative_enforcement", "administrative_inspection"}
CATEGORIES = {
    "教育",
    "医疗",
    "户籍",
    "社保",
    "就业",
    "住房",
    "民政",
    "市场监管",
    "交通",
    "税务",
    "残疾人",
    "退役军人",
    "生态环境",
    "文旅",
    "公积金",
}
# Each needs >= 2 items. "企业开办" is not a category value of its own: it is
# satisfied by the 市场监管 category plus the start_business theme (see below).
REQUIRED_CATEGORIES = ["教育", "医疗", "户籍", "社保", "就业", "住房", "民政"]
TARGETS = {"citizen", "business"}
MATERIAL_FORMS = {"original", "copy", "original_and_copy"}
MEDIA = {"paper", "electronic", "both"}
SOURCES = {"applicant", "licence", "shared_data"}
PROCESS_KEYS = {"standard", "parallel"}
RESULT_TYPES = {"licence", "approval_document", "other"}
DELIVERY = {"window", "post", "download"}
FIELD_TYPES = {"text", "textarea", "number", "date", "select", "phone", "idcard", "address"}
STATUSES = {"published", "draft", "retired"}
AUDIENCES = {"citizen", "business"}
LEVELS = {"province": 6, "prefecture": 6, "county": 6, "street": 9, "community": 12}
PARENT_LEVEL = {"prefecture": "province", "county": "prefecture", "street": "county", "community": "street"}
REQUIRED_THEME_NAMES = [
    "出生",
    "入学",
    "就业",
    "婚姻",
    "退休",
    "身后事",
    "开办企业",
    "工程建设",
    "企业注销",
    "招聘用工",
]
START_BUSINESS_CO = {"swj", "gaj", "rsj", "gjj"}

SERVICE_KEYS = {
    "basic_code",
    "implementation_code",
    "name",
    "item_type",
    "category",
    "department",
    "co_departments",
    "legal_basis",
    "target",
    "scope",
    "conditions",
    "materials",
    "process_key",
    "process_description",
    "statutory_limit_days",
    "promised_limit_days",
    "fee",
    "visits_required",
    "online_depth",
    "place",
    "hours",
    "phone_consult",
    "phone_complaint",
    "result_type",
    "result_name",
    "delivery",
    "faqs",
    "themes",
    "keywords",
    "form_fields",
    "version",
    "effective_date",
    "status",
}
MATERIAL_KEYS = {
    "code",
    "name",
    "is_required",
    "form",
    "medium",
    "copies",
    "source",
    "licence_type",
    "note",
    "has_template",
    "accept",
}
DEPARTMENT_KEYS = {"code", "name", "short_name", "parent", "credit_code", "phone", "address", "hours"}
REGION_KEYS = {"code", "name", "level", "parent"}
THEME_KEYS = {"code", "name", "audience", "description"}

PHONE_RE = re.compile(r"^0572-8\d{6}$")
CJK_RE = re.compile(r"[\u4e00-\u9fff]")
PLACEHOLDER_RE = re.compile(r"xxx|XXX|\.\.\.|…|TODO|待补充|示例文本", re.IGNORECASE)

# --------------------------------------------------------------------------- GB 32100
CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def credit_check_char(first17: str) -> str:
    total = sum(CREDIT_ALPHABET.index(c) * w for c, w in zip(first17, CREDIT_WEIGHTS, strict=False))
    value = 31 - total % 31
    return CREDIT_ALPHABET[0 if value == 31 else value]


def credit_code_problem(code) -> str | None:
    if not isinstance(code, str) or len(code) != 18:
        return "must be an 18-character string"
    bad = [c for c in code if c not in CREDIT_ALPHABET]
    if bad:
        return "contains characters outside the GB 32100 alphabet: {!r}".format("".join(bad))
    expected = credit_check_char(code[:17])
    if code[17] != expected:
        return f"check character is {code[17]!r}, expected {expected!r}"
    return None


# --------------------------------------------------------------------------- checker
class Checker:
    def __init__(self) -> None:
        self.errors: list[str] = []

    def fail(self, where: str, msg: str) -> None:
        self.errors.append(f"{where}: {msg}")

    def require(self, cond: bool, where: str, msg: str) -> bool:
        if not cond:
            self.fail(where, msg)
        return cond

    def text(self, value, where: str, field: str, chinese: bool = True) -> None:
        if not isinstance(value, str) or not value.strip():
            self.fail(where, f"{field} must be a non-empty string")
            return
        if chinese and not CJK_RE.search(value):
            self.fail(where, f"{field} should be written in Chinese: {value!r}")
        if PLACEHOLDER_RE.search(value):
            self.fail(where, f"{field} contains placeholder text: {value!r}")

    def keys(self, obj, expected: set, where: str, optional: set = frozenset()) -> bool:
        if not isinstance(obj, dict):
            self.fail(where, "must be an object")
            return False
        missing = expected - obj.keys()
        extra = obj.keys() - expected - optional
        if missing:
            self.fail(where, f"missing keys {sorted(missing)}")
        if extra:
            self.fail(where, f"unexpected keys {sorted(extra)}")
        return not missing


def check(data) -> tuple[list[str], dict]:
    ck = Checker()
    summary: dict = {}
    if not ck.keys(data, {"regions", "departments", "themes", "services"}, "top level"):
        return ck.errors, summary
    for key in ("regions", "departments", "themes", "services"):
        if not isinstance(data[key], list):
            ck.fail("top level", f"{key} must be a list")
            return ck.errors, summary

    # ------------------------------------------------------------------ regions
    regions = {}
    for i, r in enumerate(data["regions"]):
        where = "regions[%d]" % i
        if not ck.keys(r, REGION_KEYS, where):
            continue
        where = "region {}".format(r["code"])
        ck.require(r["code"] not in regions, where, "duplicate region code")
        regions[r["code"]] = r
        ck.text(r["name"], where, "name")
        if ck.require(r["level"] in LEVELS, where, "level {!r} not in {}".format(r["level"], sorted(LEVELS))):
            ck.require(
                isinstance(r["code"], str) and r["code"].isdigit() and len(r["code"]) == LEVELS[r["level"]],
                where,
                "a %s code must be %d digits" % (r["level"], LEVELS[r["level"]]),
            )
    for code, r in regions.items():
        where = f"region {code}"
        if r["level"] == "province":
            ck.require(r["parent"] is None, where, "province parent must be null")
            continue
        parent = regions.get(r["parent"])
        if not ck.require(parent is not None, where, "parent {!r} does not exist".format(r["parent"])):
            continue
        if r["level"] in PARENT_LEVEL:
            ck.require(
                parent["level"] == PARENT_LEVEL[r["level"]],
                where,
                "parent of a {} must be a {}, got {}".format(r["level"], PARENT_LEVEL[r["level"]], parent["level"]),
            )
        if r["level"] in ("street", "community"):
            ck.require(
                code.startswith(r["parent"]), where, "code must start with its parent code {}".format(r["parent"])
            )
    for code, name, level, parent in (
        ("330000", "浙江省", "province", None),
        ("330500", "湖州市", "prefecture", "330000"),
        ("330521", "德清县", "county", "330500"),
    ):
        r = regions.get(code)
        if ck.require(r is not None, "regions", f"missing {code} {name}"):
            ck.require(
                (r["name"], r["level"], r["parent"]) == (name, level, parent),
                f"region {code}",
                f"expected {name}/{level}/parent {parent}",
            )
    streets = [r for r in regions.values() if r["level"] == "street"]
    ck.require(all(r["parent"] == "330521" for r in streets), "regions", "every street must belong to 330521")
    per_street = collections.Counter(r["parent"] for r in regions.values() if r["level"] == "community")
    bad_counts = {s: n for s, n in per_street.items() if not 2 <= n <= 3}
    ck.require(not bad_counts, "regions", f"streets with communities must have 2-3 each: {bad_counts}")
    ck.require(len(per_street) >= 4, "regions", "need communities under at least 4 streets, got %d" % len(per_street))
    summary["regions"] = collections.Counter(r["level"] for r in regions.values())

    # ------------------------------------------------------------------ departments
    depts = {}
    credit_codes = set()
    for i, d in enumerate(data["departments"]):
        where = "departments[%d]" % i
        if not ck.keys(d, DEPARTMENT_KEYS, where):
            continue
        where = "department {}".format(d["code"])
        ck.require(
            isinstance(d["code"], str) and re.fullmatch(r"[a-z][a-z0-9_]*", d["code"] or "") is not None,
            where,
            "code must be lower-case pinyin initials",
        )
        ck.require(d["code"] not in depts, where, "duplicate department code")
        depts[d["code"]] = d
        for field in ("name", "short_name", "address"):
            ck.text(d[field], where, field)
        ck.text(d["hours"], where, "hours", chinese=True)
        problem = credit_code_problem(d["credit_code"])
        ck.require(problem is None, where, "credit_code {!r} {}".format(d["credit_code"], problem))
        if d["parent"] is None:
            ck.require(
                str(d["credit_code"]).startswith("11330521"),
                where,
                "a county government organ's credit code must start with 11330521",
            )
        ck.require(d["credit_code"] not in credit_codes, where, "duplicate credit_code")
        credit_codes.add(d["credit_code"])
        ck.require(
            isinstance(d["phone"], str) and PHONE_RE.match(d["phone"]) is not None,
            where,
            "phone {!r} must look like 0572-8xxxxxx".format(d["phone"]),
        )
        ck.require("德清" in d["address"], where, "address should be in 德清县")
    for code, d in depts.items():
        if d["parent"] is not None:
            ck.require(
                d["parent"] in depts and d["parent"] != code,
                f"department {code}",
                "parent {!r} does not exist".format(d["parent"]),
            )
    top_level = [d for d in depts.values() if d["parent"] is None]
    ck.require(len(top_level) >= 14, "departments", "need >= 14 county departments, got %d" % len(top_level))
    for code in (
        "xzspj",
        "gaj",
        "jyj",
        "rsj",
        "mzj",
        "wjj",
        "ybj",
        "scjgj",
        "zjj",
        "zrzyj",
        "swj",
        "jtj",
        "wgltj",
        "sthjj",
        "tyjrj",
        "cl",
        "gjj",
    ):
        ck.require(code in depts, "departments", f"missing department {code}")

    # ------------------------------------------------------------------ themes
    themes = {}
    for i, t in enumerate(data["themes"]):
        where = "themes[%d]" % i
        if not ck.keys(t, THEME_KEYS, where):
            continue
        where = "theme {}".format(t["code"])
        ck.require(
            isinstance(t["code"], str) and re.fullmatch(r"[a-z][a-z0-9_]*", t["code"] or "") is not None,
            where,
            "code must be snake_case",
        )
        ck.require(t["code"] not in themes, where, "duplicate theme code")
        themes[t["code"]] = t
        ck.text(t["name"], where, "name")
        ck.text(t["description"], where, "description")
        ck.require(
            t["audience"] in AUDIENCES, where, "audience {!r} not in {}".format(t["audience"], sorted(AUDIENCES))
        )
    ck.require(len(themes) >= 10, "themes", "need >= 10 themes, got %d" % len(themes))
    theme_names = {t["name"] for t in themes.values()}
    for name in REQUIRED_THEME_NAMES:
        ck.require(name in theme_names, "themes", f"missing life-event theme {name}")

    # ------------------------------------------------------------------ services
    services = data["services"]
    basic_codes, impl_codes, names = set(), set(), set()
    used_themes = collections.Counter()
    for i, s in enumerate(services):
        where = "services[%d]" % i
        if not ck.keys(s, SERVICE_KEYS, where):
            continue
        where = "service {!r}".format(s["name"])
        ck.text(s["name"], where, "name")
        ck.require(s["name"] not in names, where, "duplicate service name")
        names.add(s["name"])

        # codes
        bc = s["basic_code"]
        ck.require(isinstance(bc, str) and bc.isdigit() and len(bc) == 12, where, "basic_code must be 12 digits")
        ck.require(bc not in basic_codes, where, f"duplicate basic_code {bc}")
        basic_codes.add(bc)
        dept = depts.get(s["department"])
        if ck.require(dept is not None, where, "department {!r} does not exist".format(s["department"])):
            ck.require(
                s["implementation_code"] == dept["credit_code"] + str(bc),
                where,
                "implementation_code must be department credit_code + basic_code",
            )
        ck.require(s["implementation_code"] not in impl_codes, where, "duplicate implementation_code")
        impl_codes.add(s["implementation_code"])

        # enums
        ck.require(s["item_type"] in ITEM_TYPES, where, "item_type {!r} not allowed".format(s["item_type"]))
        ck.require(
            s["category"] in CATEGORIES, where, "category {!r} not in {}".format(s["category"], sorted(CATEGORIES))
        )
        ck.require(s["status"] in STATUSES, where, "status {!r} not allowed".format(s["status"]))
        ck.require(s["result_type"] in RESULT_TYPES, where, "result_type {!r} not allowed".format(s["result_type"]))
        ck.require(s["process_key"] in PROCESS_KEYS, where, "process_key {!r} not allowed".format(s["process_key"]))

        # co-departments and process
        co = s["co_departments"]
        if ck.require(isinstance(co, list), where, "co_departments must be a list"):
            for c in co:
                ck.require(c in depts, where, f"co_department {c!r} does not exist")
            ck.require(s["department"] not in co, where, "lead department listed as co_department")
            ck.require(len(set(co)) == len(co), where, "duplicate co_departments")
            ck.require(
                (s["process_key"] == "parallel") == bool(co),
                where,
                "process_key must be 'parallel' iff co_departments is non-empty",
            )
        pd = s["process_description"]
        if ck.require(isinstance(pd, list) and len(pd) >= 3, where, "process_description needs >= 3 steps"):
            for step in pd:
                ck.text(step, where, "process step")

        # text
        for field in ("legal_basis", "scope", "place", "result_name"):
            ck.text(s[field], where, field)
        ck.require("《" in s["legal_basis"], where, "legal_basis must cite a law or regulation by title")
        ck.text(s["hours"], where, "hours")
        ck.require(
            isinstance(s["phone_consult"], str) and PHONE_RE.match(s["phone_consult"]) is not None,
            where,
            "phone_consult {!r} must look like 0572-8xxxxxx".format(s["phone_consult"]),
        )
        ck.require(
            s["phone_complaint"] == "12345" or PHONE_RE.match(str(s["phone_complaint"])) is not None,
            where,
            "phone_complaint must be 12345 or a 0572 number",
        )
        tgt = s["target"]
        ck.require(
            isinstance(tgt, list) and tgt and set(tgt) <= TARGETS and len(set(tgt)) == len(tgt),
            where,
            f"target must be a non-empty subset of {sorted(TARGETS)}",
        )
        conds = s["conditions"]
        if ck.require(isinstance(conds, list) and conds, where, "conditions must be a non-empty list"):
            for c in conds:
                ck.text(c, where, "condition")

        # limits, visits, depth
        st, pr = s["statutory_limit_days"], s["promised_limit_days"]
        if ck.require(
            isinstance(st, int)
            and isinstance(pr, int)
            and st >= 0
            and pr >= 0
            and not isinstance(st, bool)
            and not isinstance(pr, bool),
            where,
            "time limits must be non-negative integers",
        ):
            ck.require(pr <= st, where, "promised_limit_days %d exceeds statutory_limit_days %d" % (pr, st))
        ck.require(s["visits_required"] in (0, 1, 2), where, "visits_required must be 0, 1 or 2")
        depth = s["online_depth"]
        ck.require(depth in (1, 2, 3, 4), where, "online_depth must be 1-4")
        if s["item_type"] in ENFORCEMENT_TYPES:
            ck.require(
                depth == 1, where, "penalty/enforcement/inspection items take no online application (online_depth 1)"
            )

        # fee
        fee = s["fee"]
        if ck.keys(fee, {"is_charged", "standard", "basis"}, where + " fee"):
            ck.require(isinstance(fee["is_charged"], bool), where, "fee.is_charged must be a boolean")
            ck.text(fee["standard"], where, "fee.standard")
            if fee["is_charged"]:
                ck.text(fee["basis"], where, "fee.basis")
                ck.require("元" in fee["standard"], where, "a charged fee must state an amount in 元")

        # delivery, faqs, keywords, themes
        dl = s["delivery"]
        ck.require(
            isinstance(dl, list) and dl and set(dl) <= DELIVERY and len(set(dl)) == len(dl),
            where,
            f"delivery must be a non-empty subset of {sorted(DELIVERY)}",
        )
        faqs = s["faqs"]
        if ck.require(isinstance(faqs, list) and 1 <= len(faqs) <= 3, where, "need 1-3 faqs"):
            for f in faqs:
                if ck.keys(f, {"q", "a"}, where + " faq"):
                    ck.text(f["q"], where, "faq.q")
                    ck.text(f["a"], where, "faq.a")
        kw = s["keywords"]
        if ck.require(isinstance(kw, list) and kw, where, "keywords must be a non-empty list"):
            for k in kw:
                ck.require(isinstance(k, str) and k.strip() != "", where, "empty keyword")
        th = s["themes"]
        if ck.require(isinstance(th, list), where, "themes must be a list"):
            for t in th:
                ck.require(t in themes, where, f"theme {t!r} does not exist")
                used_themes[t] += 1

        # version, date
        ck.require(
            isinstance(s["version"], int) and not isinstance(s["version"], bool) and s["version"] >= 1,
            where,
            "version must be an integer >= 1",
        )
        try:
            datetime.date.fromisoformat(s["effective_date"])
        except (TypeError, ValueError):
            ck.fail(where, "effective_date {!r} is not an ISO date".format(s["effective_date"]))

        # materials
        mats = s["materials"]
        has_required_applicant = False
        if ck.require(isinstance(mats, list) and mats, where, "materials must be a non-empty list"):
            mcodes = set()
            for m in mats:
                mw = "{} material {}".format(where, m.get("code") if isinstance(m, dict) else "?")
                if not ck.keys(m, MATERIAL_KEYS, mw):
                    continue
                ck.require(re.fullmatch(r"M\d{2}", str(m["code"])) is not None, mw, "code must look like M01")
                ck.require(m["code"] not in mcodes, mw, "duplicate material code")
                mcodes.add(m["code"])
                ck.text(m["name"], mw, "name")
                ck.require(isinstance(m["is_required"], bool), mw, "is_required must be a boolean")
                ck.require(isinstance(m["has_template"], bool), mw, "has_template must be a boolean")
                ck.require(m["form"] in MATERIAL_FORMS, mw, "form {!r} not allowed".format(m["form"]))
                ck.require(m["medium"] in MEDIA, mw, "medium {!r} not allowed".format(m["medium"]))
                ck.require(m["source"] in SOURCES, mw, "source {!r} not allowed".format(m["source"]))
                ck.require(
                    isinstance(m["copies"], int) and not isinstance(m["copies"], bool) and m["copies"] >= 1,
                    mw,
                    "copies must be a positive integer",
                )
                ck.require(isinstance(m["note"], str), mw, "note must be a string")
                acc = m["accept"]
                ck.require(
                    isinstance(acc, list)
                    and acc
                    and all(isinstance(a, str) and re.fullmatch(r"[a-z0-9]+", a) for a in acc),
                    mw,
                    "accept must be a non-empty list of lower-case file extensions",
                )
                if m["source"] == "applicant":
                    ck.require(
                        m["licence_type"] is None, mw, "licence_type must be null for applicant-supplied materials"
                    )
                    if m["is_required"]:
                        has_required_applicant = True
                else:
                    ck.text(m["licence_type"], mw, "licence_type")

        # online application form
        fields = s["form_fields"]
        if ck.require(isinstance(fields, list), where, "form_fields must be a list"):
            ck.require(len(fields) <= 6, where, "at most 6 form_fields")
            fnames = set()
            for f in fields:
                fw = "{} field {}".format(where, f.get("name") if isinstance(f, dict) else "?")
                if not ck.keys(f, {"name", "label", "type", "required"}, fw, optional={"options"}):
                    continue
                ck.require(re.fullmatch(r"[a-z][a-z0-9_]*", str(f["name"])) is not None, fw, "name must be snake_case")
                ck.require(f["name"] not in fnames, fw, "duplicate field name")
                fnames.add(f["name"])
                ck.text(f["label"], fw, "label")
                ck.require(f["type"] in FIELD_TYPES, fw, "type {!r} not allowed".format(f["type"]))
                ck.require(isinstance(f["required"], bool), fw, "required must be a boolean")
                if f["type"] == "select":
                    opts = f.get("options")
                    ck.require(
                        isinstance(opts, list)
                        and opts
                        and all(isinstance(o, str) and o for o in opts)
                        and len(set(opts)) == len(opts),
                        fw,
                        "select fields need distinct non-empty options",
                    )
                else:
                    ck.require("options" not in f, fw, "only select fields take options")
            if depth in (1, 2, 3, 4) and depth >= 3:
                ck.require(len(fields) >= 2, where, "online_depth >= 3 needs at least 2 form_fields")
                ck.require(
                    has_required_applicant,
                    where,
                    "online_depth >= 3 needs at least one required material with source 'applicant'",
                )

    # ------------------------------------------------------------------ catalogue-wide rules
    valid = [s for s in services if isinstance(s, dict) and s.keys() >= SERVICE_KEYS]
    ck.require(len(valid) >= 34, "services", "need >= 34 services, got %d" % len(valid))
    by_cat = collections.Counter(s["category"] for s in valid)
    for cat in REQUIRED_CATEGORIES:
        ck.require(by_cat[cat] >= 2, "services", "category %s needs >= 2 items, got %d" % (cat, by_cat[cat]))
    ck.require(by_cat["市场监管"] >= 2, "services", "企业开办/市场监管 needs >= 2 items")
    start_business = [s for s in valid if "start_business" in s["themes"]]
    ck.require(len(start_business) >= 2, "services", "企业开办 (theme start_business) needs >= 2 items")
    by_type = collections.Counter(s["item_type"] for s in valid)
    ck.require(
        by_type["administrative_licensing"] >= 8,
        "services",
        "need >= 8 行政许可 items, got %d" % by_type["administrative_licensing"],
    )
    for t in sorted(ENFORCEMENT_TYPES):
        ck.require(by_type[t] >= 1, "services", f"need at least one {t} item")
    by_status = collections.Counter(s["status"] for s in valid)
    ck.require(by_status["draft"] >= 1, "services", "need at least one draft item")
    ck.require(by_status["retired"] >= 1, "services", "need at least one retired item")
    ck.require(by_status["published"] > len(valid) // 2, "services", "most items should be published")
    unused = sorted(set(themes) - set(used_themes))
    ck.require(not unused, "themes", f"themes not used by any service: {unused}")

    by_name = {s["name"]: s for s in valid}
    idc = by_name.get("居民身份证换领")
    if ck.require(idc is not None, "services", "missing 居民身份证换领"):
        ck.require(idc["department"] == "gaj", "居民身份证换领", "must be handled by gaj")
        ck.require(
            idc["item_type"] in ("public_service", "administrative_confirmation"),
            "居民身份证换领",
            "must be 公共服务 or 行政确认",
        )
        ck.require(
            idc["fee"]["is_charged"] and "20" in idc["fee"]["standard"], "居民身份证换领", "工本费 20元 must be charged"
        )
    ck.require(any(n.startswith("居民身份证首次申领") for n in by_name), "services", "missing 居民身份证首次申领")
    kaiban = [s for s in valid if s["name"].startswith("企业开办")]
    if ck.require(kaiban, "services", "missing 企业开办 item"):
        for s in kaiban:
            ck.require(
                set(s["co_departments"]) >= START_BUSINESS_CO,
                "service {!r}".format(s["name"]),
                f"企业开办 must be co-handled by {sorted(START_BUSINESS_CO)}",
            )

    summary.update(
        departments=len(depts),
        themes=len(themes),
        services=len(valid),
        by_category=by_cat,
        by_type=by_type,
        by_status=by_status,
        by_depth=collections.Counter(s["online_depth"] for s in valid),
        by_department=collections.Counter(s["department"] for s in valid),
        parallel=[s["name"] for s in valid if s["process_key"] == "parallel"],
        charged=[s["name"] for s in valid if s["fee"]["is_charged"]],
        theme_use=used_themes,
    )
    return ck.errors, summary


def fmt(counter) -> str:
    return ", ".join("%s %d" % (k, v) for k, v in sorted(counter.items(), key=lambda kv: (-kv[1], str(kv[0]))))


def main(argv: list[str]) -> int:
    path = argv[1] if len(argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "county.json")
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError) as exc:
        print(f"FAIL: cannot read {path}: {exc}")
        return 1
    errors, summary = check(data)
    if errors:
        print("FAIL: %d problem(s) in %s" % (len(errors), path))
        for e in errors:
            print("  - " + e)
        return 1
    print(f"OK: {path}")
    print("regions:     {}".format(fmt(summary["regions"])))
    print("departments: %d" % summary["departments"])
    print("themes:      %d (%s)" % (summary["themes"], fmt(summary["theme_use"])))
    print("services:    %d" % summary["services"])
    print("  by category:   {}".format(fmt(summary["by_category"])))
    print("  by item type:  {}".format(fmt(summary["by_type"])))
    print("  by status:     {}".format(fmt(summary["by_status"])))
    print("  by online depth: {}".format(fmt(summary["by_depth"])))
    print("  by department: {}".format(fmt(summary["by_department"])))
    print("  parallel (co-handled): {}".format("、".join(summary["parallel"])))
    print("  charged: {}".format("、".join(summary["charged"])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
