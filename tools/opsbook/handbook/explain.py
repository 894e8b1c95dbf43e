"""Turn pydantic's validation errors into located problems a person can act on."""

from __future__ import annotations

import calendar
import difflib
import enum
import re
import types
import typing
import unicodedata
from typing import Any

from pydantic import BaseModel, ValidationError

from opsbook.handbook.credentials import redact
from opsbook.handbook.loading import Source
from opsbook.handbook.models.common import HTTP_URL_PATTERN, ONE_LINE_PATTERN
from opsbook.problems import Problem

_EXPECTED = {
    "string_type": "text",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "list_type": "a list (lines starting with -)",
    "model_type": "a mapping (key: value lines)",
    "model_attributes_type": "a mapping (key: value lines)",
    "dict_type": "a mapping (key: value lines)",
    "date_type": "a date as YYYY-MM-DD",
    "date_parsing": "a date as YYYY-MM-DD",
    "date_from_datetime_parsing": "a date as YYYY-MM-DD",
    "date_from_datetime_inexact": "a date as YYYY-MM-DD",
    "datetime_type": "a date-time with offset, such as 2026-11-21T09:30:00+01:00",
    "datetime_parsing": "a date-time with offset, such as 2026-11-21T09:30:00+01:00",
    "datetime_from_date_parsing": "a date-time with offset, such as 2026-11-21T09:30:00+01:00",
    "timezone_aware": "a date-time with a UTC offset (such as +01:00 or Z)",
    "url_parsing": "an http(s) URL",
    "url_scheme": "an http(s) URL",
    "url_type": "an http(s) URL",
}


def model_problems(source: Source, model: type[BaseModel], data: Any, prefix: tuple = ()) -> tuple[Any, list[Problem]]:
    """Validate `data` as `model`; return (instance or None, located problems)."""
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        return None, [_problem(source, model, prefix, error) for error in exc.errors(include_url=False)]


def key_path(path: tuple) -> str:
    """`('timeline', 2, 'at')` as `timeline[2].at`."""
    text = ""
    for step in path:
        if isinstance(step, int):
            text += f"[{step}]"
        else:
            text += f".{step}" if text else str(step)
    return text


def _problem(source: Source, model: type[BaseModel], prefix: tuple, error: dict) -> Problem:
    loc = tuple(_data_key(step) for step in error["loc"])
    path = prefix + loc
    line, column = source.line_of(path)
    kind = error["type"]
    value = error.get("input")
    expected = found = hint = None
    ctx = error.get("ctx") or {}
    if kind == "missing":
        message = f"required key `{loc[-1]}` is missing" if loc else "a required key is missing"
        # The key is absent, so point at the mapping that should hold it.
        line, column = source.line_of(path[:-1])
        return Problem(source.rel, message, line, column, key_path(path), code="missing-key",
                       hint=_describe(model, loc))
    if kind == "extra_forbidden":
        name = str(loc[-1])
        allowed = _fields_at(model, loc[:-1])
        close = difflib.get_close_matches(name, allowed, n=1)
        hint = f"did you mean `{close[0]}`?" if close else (
            "allowed keys here: " + ", ".join(allowed) if allowed else None)
        return Problem(source.rel, f"unknown key `{name}`", line, column, key_path(path), code="unknown-key",
                       hint=hint)
    if kind == "string_type" and isinstance(value, (bool, int, float)) and value is not None:
        return _unquoted(source, path, line, column, value)
    if kind in ("enum", "literal_error"):
        message = "is not one of the allowed values"
        expected = "one of " + ctx.get("expected", "")
        hint = _meant(value, re.findall(r"'([^']*)'", ctx.get("expected", "")))
    elif kind == "string_pattern_mismatch" and isinstance(value, str) and (odd := _first_non_ascii(value)):
        message = f"contains {odd}, which only looks like plain text"
        expected = f"text matching {ctx.get('pattern')}"
        hint = "retype it with plain ASCII characters" + (" (ids are lowercase letters, digits, dots, dashes and "
                                                         "underscores)" if _is_id(ctx) else "")
    elif kind == "string_pattern_mismatch" and ctx.get("pattern") == ONE_LINE_PATTERN:
        message = "is more than one line"
        expected = "one line of text"
        hint = "write it on the key's own line: a `|` or `>` block keeps its line breaks"
    elif kind == "string_pattern_mismatch" and ctx.get("pattern") == HTTP_URL_PATTERN:
        message = "is not a web address"
        expected = "an http(s) URL, such as https://github.com/acme/handbook/issues/12"
    elif kind == "string_pattern_mismatch":
        message = "does not have the expected form"
        expected = f"text matching {ctx.get('pattern')}"
        hint = "ids are lowercase letters, digits, dots, dashes and underscores" if _is_id(ctx) else None
    elif kind == "too_short" and value == [] and ctx.get("min_length") == 1:
        message = "is empty"
        expected = "at least one item"
        hint = _describe(model, loc)
    elif kind in ("too_short", "too_long"):
        message = "has too few items" if kind == "too_short" else "has too many items"
        if "min_length" in ctx and kind == "too_short":
            expected = f"at least {ctx['min_length']} item(s)"
        elif "max_length" in ctx:
            expected = f"at most {ctx['max_length']} item(s)"
    elif kind in ("string_too_short",):
        message = "is empty"
        expected = "some text"
    elif kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        message = "is out of range"
        sign = {"greater_than_equal": ">=", "greater_than": ">", "less_than_equal": "<=", "less_than": "<"}[kind]
        expected = f"a number {sign} {next(iter(ctx.values()), '')}"
    elif kind in ("value_error", "assertion_error"):
        message = str(ctx.get("error", error["msg"])).removeprefix("Value error, ")
    elif kind in _EXPECTED and (impossible := _impossible_date(value)):
        message = f"is not a real date: {impossible}"
        expected = _EXPECTED[kind]
    elif kind in _EXPECTED:
        message = "has the wrong type" if kind.endswith("_type") else "cannot be read"
        expected = _EXPECTED[kind]
        hint = _describe(model, loc) if kind in ("model_type", "dict_type") else None
    else:
        message = error["msg"][0].lower() + error["msg"][1:]
    if kind not in ("missing", "value_error") or not isinstance(value, dict):
        found = _show(value)
    return Problem(source.rel, message, line, column, key_path(path), expected=expected, found=found,
                   hint=hint, code="invalid-value")


# Words people write for a value the handbook spells another way (GitHub's and Jira's among them).
_SYNONYMS = {"wontfix": "wont-do", "won't fix": "wont-do", "wont fix": "wont-do", "won't do": "wont-do",
             "not planned": "wont-do", "cancelled": "wont-do", "canceled": "wont-do", "closed": "done",
             "completed": "done", "complete": "done", "fixed": "done", "resolved": "done", "todo": "open",
             "to do": "open", "in progress": "in-progress", "inprogress": "in-progress", "doing": "in-progress"}


def _meant(value: Any, allowed: list[str]) -> str | None:
    """"did you mean …?" for a value that is a known synonym of, or spelt close to, an allowed one."""
    if not isinstance(value, str) or not allowed:
        return None
    word = value.strip().lower().replace("_", " ")
    if (synonym := _SYNONYMS.get(word)) in allowed:
        return f"did you mean {synonym!r}?"
    close = difflib.get_close_matches(word, allowed, n=1) or difflib.get_close_matches(
        word, [a.lower() for a in allowed], n=1)
    if not close:
        return None
    match = next(a for a in allowed if a.lower() == close[0].lower())
    if match.lower() != word and re.sub(r"\d", "", match.lower()) == re.sub(r"\d", "", word):
        return None  # SEV-7 is not a misspelt SEV-3: only the number differs, and the list says which exist
    return f"did you mean {match!r}?" if match != value else None


def _unquoted(source: Source, path: tuple, line: int | None, column: int | None, value: Any) -> Problem:
    """Text that YAML read as true, false or a number because it was not quoted (`id: no`)."""
    written = source.text_at(path) or _show(value)
    read = str(value).lower() if isinstance(value, bool) else f"the number {value!r}"
    key = path[-1] if path and isinstance(path[-1], str) else None
    quoted = f'{key}: "{written}"' if key else f'"{written}"'
    return Problem(source.rel, f"YAML reads the unquoted {written} as {read}, not as text", line, column,
                   key_path(path), expected="text", found=_show(value), hint=f"quote it: {quoted}",
                   code="invalid-value")


def _first_non_ascii(text: str) -> str | None:
    """`U+0435 CYRILLIC SMALL LETTER IE at position 5`, for the first character outside ASCII in `text`."""
    for position, char in enumerate(text, 1):
        if ord(char) > 127:
            name = unicodedata.name(char, "an unnamed character")
            return f"U+{ord(char):04X} {name} at position {position}"
    return None


_DATE_TEXT = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})(?:[T ]|\s*$)")


def _impossible_date(value: Any) -> str | None:
    """Why a well-formed YYYY-MM-DD names no day (`February 2026 has 28 days`), or None."""
    match = _DATE_TEXT.match(value) if isinstance(value, str) else None
    if match is None:
        return None
    year, month, day = (int(part) for part in match.groups())
    if not 1 <= month <= 12:
        return f"there is no month {month} (months are 01 to 12)"
    length = calendar.monthrange(year, month)[1]
    if not 1 <= day <= length:
        return f"{calendar.month_name[month]} {year} has {length} days"
    return None


def _data_key(step: Any) -> Any:
    # A field declared with an alias (`for`) is reported by pydantic under its alias: keep it.
    return step


def _is_id(ctx: dict) -> bool:
    return str(ctx.get("pattern", "")).startswith("^[a-z0-9]")


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, str):  # a line break shown as `\n`: the report keeps one line per detail
        value = value.replace("\r", "\\r").replace("\n", "\\n")
    text = redact(repr(value) if not isinstance(value, str) else f"'{value}'")
    return text if len(text) <= 60 else text[:57] + "...'"


def _unwrap(annotation: Any) -> Any:
    """The model inside `list[X]`, `X | None`, `Annotated[X, ...]`, `dict[K, X]`, or None."""
    for _ in range(6):
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            return annotation
        origin = typing.get_origin(annotation)
        args = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        if origin is None or not args:
            return None
        if origin is typing.Annotated:
            annotation = args[0]
        elif origin in (typing.Union, types.UnionType):
            models = [a for a in args if _unwrap(a) is not None]
            annotation = models[0] if models else None
        else:
            annotation = args[-1]
    return None


def _model_at(model: type[BaseModel] | None, loc: tuple) -> type[BaseModel] | None:
    for step in loc:
        if model is None:
            return None
        if isinstance(step, int):
            continue
        field = next((f for name, f in model.model_fields.items() if step in (name, f.alias)), None)
        model = _unwrap(field.annotation) if field else None
    return model


def _fields_at(model: type[BaseModel], loc: tuple) -> list[str]:
    inner = _model_at(model, loc)
    if inner is None:
        return []
    return [field.alias or name for name, field in inner.model_fields.items()]


def _describe(model: type[BaseModel], loc: tuple) -> str | None:
    if not loc:
        return None
    parent = _model_at(model, loc[:-1])
    field = parent.model_fields.get(str(loc[-1])) if parent else None
    if field is None and parent is not None:
        field = next((f for f in parent.model_fields.values() if f.alias == loc[-1]), None)
    return field.description if field is not None and field.description else None
