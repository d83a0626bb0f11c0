"""Dataclass <-> JSON-ready dict, driven by type hints. Unknown keys are ignored and missing keys take
the field default, so a record written by a newer or older version of the app still opens.

Both directions go through pydantic's `TypeAdapter`, built once per dataclass: its compiled validator
and serialiser are several times faster than walking the type hints in Python, and thousands of case
summaries are decoded at every unlock (measured in issue 10: a 30-entry summary decodes about 2.4 times
and encodes about 10 times faster). The JSON is the same as before, byte for byte
(tests/models/test_codec_files.py reads what the earlier codec wrote).

Data the validator refuses (a null where a text belongs, an empty date, a list written as null, a
nested part written as null) is what earlier versions of this codec accepted, so it is read as they
read it: field by field, forgivingly (`_lenient`). What today's app writes never needs that path."""

from __future__ import annotations

import dataclasses
import datetime as dt
import types
import typing
from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar

from pydantic import TypeAdapter, ValidationError

T = TypeVar("T")


@cache
def _adapter(cls: Any) -> TypeAdapter[Any]:
    return TypeAdapter(cls)


def to_dict(obj: Any) -> Any:
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        # warnings=False: a value of an unexpected type is still written as JSON (a tuple as a list, an
        # enum member as its value), as before; the model's validate() is where wrong values are refused.
        return _adapter(type(obj)).dump_python(obj, mode="json", warnings=False)
    if isinstance(obj, dt.date):
        return obj.isoformat()
    if isinstance(obj, list | tuple):
        return [to_dict(v) for v in obj]
    if isinstance(obj, dict):
        return {k: to_dict(v) for k, v in obj.items()}
    return obj


def from_dict(cls: type[T], data: dict[str, Any]) -> T:
    try:
        result: T = _adapter(cls).validate_python(data)  # type: ignore[arg-type]  # classes are hashable
    except ValidationError:
        return _lenient(cls, data)
    return result


# -- the forgiving reading of earlier versions ---------------------------------------------------------

Converter = Callable[[Any], Any]


@cache
def _converter(tp: Any) -> Converter:
    """A function turning JSON data into `tp`, built once per type."""
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
        return lambda v: _lenient(tp, v or {})  # type: ignore[arg-type]
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


def _lenient(cls: type[T], data: dict[str, Any]) -> T:
    fields = _field_converters(cls)  # type: ignore[arg-type]  # classes are hashable
    kwargs = {name: convert(data[name]) for name, convert in fields if name in data}
    return cls(**kwargs)
