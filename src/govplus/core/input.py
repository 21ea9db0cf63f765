"""What every request's input must be before any code sees it: text that can be stored, finite numbers,
JSON objects of bounded depth.

Checked once, at the edge, for the API (`JsonBodyParser`, the parser of the NinjaAPI) and for the
pages (`core.middleware.InputGuardMiddleware`), so that no service, model or crypto call meets:
- a lone surrogate (U+D800–U+DFFF unpaired): valid in a Python `str` but not encodable as UTF-8, so
  AES, HMAC, SQLite and PostgreSQL all fail on it with a UnicodeEncodeError — a 500 for the client.
  JSON's `"\\ud800"` escape carries one; so does a query string or a form in a charset such as UTF-7;
- a NUL character: PostgreSQL cannot store or compare it (a DataError), and no text of ours holds one;
- `NaN`, `Infinity`, `-Infinity` and numbers that overflow to infinity (`1e400`): Python's JSON
  reader accepts them, RFC 8259 §6 does not allow them, and no field of ours means them;
- a body that is not a JSON object (`[null, null]`, `7`): every body of our API is an object, and a
  list must not be read as "all fields default" (that once withdrew a case);
- nesting deeper than `MAX_DEPTH`: no schema of ours nests that deep, and a deep enough document
  exhausts the parser's recursion limit.
Each problem names the field, Chinese first, English after.
"""

from __future__ import annotations

import json
import math
from typing import Any

from django.http import HttpRequest
from ninja.parser import Parser

from govplus.core.errors import GovplusError, ValidationFailed

MAX_DEPTH = 32

SURROGATE_PROBLEM = (
    "含有无法处理的字符（不成对的代理项） / contains a character that cannot be processed (a lone surrogate)"
)
NUL_PROBLEM = "含有不允许的字符（NUL） / contains a character that is not allowed (NUL)"
NOT_FINITE_PROBLEM = "应为有限的数值 / must be a finite number (NaN and Infinity are not allowed)"
TOO_DEEP_PROBLEM = f"嵌套层次过深（最多 {MAX_DEPTH} 层） / nested too deeply (at most {MAX_DEPTH} levels)"
NOT_OBJECT_PROBLEM = "请求体应为 JSON 对象 / the body must be a JSON object"


class JsonInvalid(GovplusError):
    status = 400
    code = "json_invalid"


def has_lone_surrogate(text: str) -> bool:
    """True when `text` cannot be encoded as UTF-8 (it holds an unpaired surrogate)."""
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def text_problem(text: str) -> str | None:
    """Why `text` cannot be taken as text (a lone surrogate, a NUL), or None."""
    if "\x00" in text:
        return NUL_PROBLEM
    return SURROGATE_PROBLEM if has_lone_surrogate(text) else None


def printable_name(name: str) -> str:
    """A field name fit to be echoed in an error (a lone surrogate replaced by U+FFFD)."""
    if not has_lone_surrogate(name):
        return name
    return "".join("\ufffd" if 0xD800 <= ord(char) <= 0xDFFF else char for char in name)


class _NotFinite:
    """Stands in for NaN/Infinity while parsing, so that the walk can name the field holding it."""


_NOT_FINITE = _NotFinite()


def _refuse_constant(_name: str) -> _NotFinite:
    return _NOT_FINITE


def _finite_float(text: str) -> float | _NotFinite:
    value = float(text)
    return value if math.isfinite(value) else _NOT_FINITE


def json_problems(data: Any) -> dict[str, list[str]]:
    """Every lone surrogate and non-finite number in parsed JSON, by field path (`form.note`,
    `supplement_items.0.reason`), and the first place nested deeper than MAX_DEPTH. Iterative: a deep
    document must not exhaust the stack here either."""
    problems: dict[str, list[str]] = {}
    stack: list[tuple[str, Any, int]] = [("", data, 0)]
    while stack:
        path, value, depth = stack.pop()
        if isinstance(value, str):
            if problem := text_problem(value):
                problems.setdefault(path or "body", []).append(problem)
            continue
        if value is _NOT_FINITE:
            problems.setdefault(path or "body", []).append(NOT_FINITE_PROBLEM)
            continue
        if not isinstance(value, (dict, list)):
            continue
        if depth >= MAX_DEPTH:
            problems.setdefault(path.split(".", 1)[0] or "body", []).append(TOO_DEEP_PROBLEM)
            continue
        if isinstance(value, dict):
            for key, item in value.items():
                name = f"{path}.{printable_name(key)}" if path else printable_name(key)
                if problem := text_problem(key):
                    problems.setdefault(name, []).append(problem)
                stack.append((name, item, depth + 1))
        else:
            for index, item in enumerate(value):
                stack.append((f"{path}.{index}" if path else str(index), item, depth + 1))
    return problems


def json_object_parse(raw: bytes | str) -> dict[str, Any]:
    """Parse a request body that must be a JSON object; raises JsonInvalid (400) for what is not JSON
    or nests too deeply to read, ValidationFailed (422) naming each bad field otherwise."""
    try:
        data = json.loads(raw, parse_constant=_refuse_constant, parse_float=_finite_float)
    except RecursionError as error:
        raise JsonInvalid(
            "请求体嵌套层次过深。", "The body is nested too deeply.", fields={"body": [TOO_DEEP_PROBLEM]}
        ) from error
    except ValueError as error:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise JsonInvalid(
            "请求体不是合法的 JSON。",
            "The body is not valid JSON.",
            fields={"body": ["不是合法的 JSON / not valid JSON"]},
        ) from error
    if not isinstance(data, dict):
        raise ValidationFailed({"body": [NOT_OBJECT_PROBLEM]})
    problems = json_problems(data)
    if problems:
        raise ValidationFailed(problems)
    return data


class JsonBodyParser(Parser):
    """The NinjaAPI's parser: JSON bodies checked as the module docstring says."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        return json_object_parse(request.body)


def querydict_problem(data: Any, *, surrogates: bool) -> tuple[str, str] | None:
    """The first key of a QueryDict (GET or POST) whose name or a value holds a NUL (or, with
    `surrogates`, a lone surrogate), with the problem."""
    for key, values in data.lists():
        for text in (key, *[value for value in values if isinstance(value, str)]):
            if "\x00" in text:
                return printable_name(key).replace("\x00", "\ufffd"), NUL_PROBLEM
            if surrogates and has_lone_surrogate(text):
                return printable_name(key), SURROGATE_PROBLEM
    return None
