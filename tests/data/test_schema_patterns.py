"""Each pattern of the JSON Schema states the same rule as the validator it comes from."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from convgen.data import model


def test_dates_need_ascii_digits_and_a_year() -> None:
    with pytest.raises(ValidationError, match="il n'y a pas d'année 0"):
        TypeAdapter(model.Date).validate_python("0000-01-01")
    with pytest.raises(ValidationError, match="mal écrite"):
        TypeAdapter(model.Date).validate_python("٢٠٢٤-٠٤-١١")
