"""Dataclass <-> JSON-ready dict, driven by type hints. Unknown keys are ignored and missing keys take
the field default, so a record written by a newer or older version of the app still opens."""

from __future__ import annotations

import dataclasses
import datetime as dt
import types
import typing
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


@cache
def _hints(cls: Any) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _convert(tp: Any, value: Any) -> Any:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        if value is None:
            return None
        inner = [a for a in typing.get_args(tp) if a is not type(None)]
        return _convert(inner[0], value)
    if origin is list:
        (item,) = typing.get_args(tp)
        return [_convert(item, v) for v in (value or [])]
    if origin is dict:
        _, val_tp = typing.get_args(tp)
        return {str(k): _convert(val_tp, v) for k, v in (value or {}).items()}
    if tp is dt.date:
        return dt.date.fromisoformat(value) if value else None
    if dataclasses.is_dataclass(tp):
        return from_dict(tp, value or {})  # type: ignore[arg-type]
    if tp is int and value is not None:
        return int(value)
    if tp is bool:
        return bool(value)
    if tp is str:
        return "" if value is None else str(value)
    return value


def from_dict(cls: type[T], data: dict[str, Any]) -> T:
    hints = _hints(cls)  # type: ignore[arg-type]  # classes are hashable
    kwargs = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        if f.name in data:
            kwargs[f.name] = _convert(hints[f.name], data[f.name])
    return cls(**kwargs)
