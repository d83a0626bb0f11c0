"""Dataclass <-> JSON-ready dict, driven by type hints. Unknown keys are ignored and missing keys take
the field default, so a record written by a newer or older version of the app still opens."""

from __future__ import annotations

import dataclasses
import datetime as dt
import types
import typing
from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar

T = TypeVar("T")


def to_dict(obj: Any) -> Any:
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_dict(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, dt.date):
        return obj.isoformat()
    if isinstance(obj, list | tuple):
        return [to_dict(v) for v in obj]
    if isinstance(obj, dict):
        return {k: to_dict(v) for k, v in obj.items()}
    return obj


Converter = Callable[[Any], Any]


@cache
def _converter(tp: Any) -> Converter:
    """A function turning JSON data into `tp`, built once per type: thousands of summaries are
    decoded at every unlock, so the type inspection must not be repeated per value."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        inner = _converter(next(a for a in typing.get_args(tp) if a is not type(None)))
        return lambda v: None if v is None else inner(v)
    if origin is list:
        item = _converter(typing.get_args(tp)[0])
        return lambda v: [item(x) for x in (v or [])]
    if origin is dict:
        val = _converter(typing.get_args(tp)[1])
        return lambda v: {str(k): val(x) for k, x in (v or {}).items()}
    if tp is dt.date:
        return lambda v: dt.date.fromisoformat(v) if v else None
    if dataclasses.is_dataclass(tp):
        return lambda v: from_dict(tp, v or {})  # type: ignore[arg-type]
    if tp is int:
        return lambda v: None if v is None else int(v)
    if tp is bool:
        return bool
    if tp is str:
        return lambda v: "" if v is None else str(v)
    return lambda v: v


@cache
def _field_converters(cls: Any) -> tuple[tuple[str, Converter], ...]:
    hints = typing.get_type_hints(cls)
    return tuple((f.name, _converter(hints[f.name])) for f in dataclasses.fields(cls))


def from_dict(cls: type[T], data: dict[str, Any]) -> T:
    fields = _field_converters(cls)  # type: ignore[arg-type]  # classes are hashable
    kwargs = {name: convert(data[name]) for name, convert in fields if name in data}
    return cls(**kwargs)
