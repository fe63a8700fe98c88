"""One error tree: every exception class dunning defines is a DunningError with ``en`` and ``zh``."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import dunning
from dunning.core.errors import DunningError, ProviderError, RetriableProviderError

#: Internal control flow, never raised to a caller: name → why it is not a DunningError.
INTERNAL = {
    "dunning.portfolio.repository._BulkUnavailable": "the bulk reader falls back to fetchall; never escapes",
    "dunning.web.pages._Login": "a page's signal to redirect to the sign-in form; never escapes",
    "dunning.api.limits._TooLarge": "the size limit's signal to answer 413; never escapes the middleware",
}


def _defined_exceptions() -> list[type[BaseException]]:
    found = []
    for info in pkgutil.walk_packages(dunning.__path__, "dunning."):
        if info.name.startswith("dunning.migrations"):
            continue
        module = importlib.import_module(info.name)
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, BaseException) and obj.__module__ == info.name:
                found.append(obj)
    return found


def test_every_exception_is_in_the_tree() -> None:
    classes = _defined_exceptions()
    assert len(classes) > 15
    outside = [
        f"{c.__module__}.{c.__qualname__}"
        for c in classes
        if not issubclass(c, DunningError) and f"{c.__module__}.{c.__qualname__}" not in INTERNAL
    ]
    assert outside == []


def test_the_tree_is_drawn_in_the_docstring() -> None:
    import dunning.core.errors as errors

    doc = errors.__doc__ or ""
    for cls in _defined_exceptions():
        if issubclass(cls, DunningError):
            assert cls.__name__ in doc, f"{cls.__name__} is missing from the tree in core/errors.py"


@pytest.mark.parametrize(
    "raise_it",
    [
        lambda: __import__("dunning.core.phone", fromlist=["x"]).parse_phone("138abc38000", "CN"),
        lambda: __import__("dunning.sending.providers.smpp.pdu", fromlist=["x"]).decode(b"\x00\x00"),
    ],
)
def test_one_bilingual_shape(raise_it: object) -> None:
    with pytest.raises(DunningError) as info:
        raise_it()  # type: ignore[operator]
    error = info.value
    assert str(error) == error.en and error.zh and error.bilingual()


def test_connection_errors_are_never_retried_as_if_nothing_left() -> None:
    from dunning.sending.providers.smpp.session import BindError, SessionClosedError

    for cls in (BindError, SessionClosedError):
        assert issubclass(cls, ProviderError) and not issubclass(cls, RetriableProviderError)
    assert SessionClosedError().zh and BindError("refused", 0x0E).status == 0x0E
