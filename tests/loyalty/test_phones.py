"""Phone numbers typed by staff into a search box become what is stored (E.164)."""

from __future__ import annotations

import pytest

from loyalty.members.phones import phone_search_term


@pytest.mark.parametrize("typed", ["0907654321", "0907 654 321", "+84907654321", "84907654321", "090-765-4321"])
def test_a_whole_number_in_any_spelling_is_searched_in_e164(typed: str) -> None:
    assert phone_search_term(typed) == "+84907654321"


@pytest.mark.parametrize(("typed", "term"), [("0907 65", "+8490765"), ("8490", "+8490"), ("+84 90", "+8490")])
def test_the_start_of_a_number_is_searched_as_the_start_of_its_e164_form(typed: str, term: str) -> None:
    assert phone_search_term(typed) == term


def test_a_partial_number_without_a_prefix_is_searched_as_its_digits() -> None:
    assert phone_search_term(" 654 321 ") == "654321"


def test_text_that_is_no_number_is_searched_as_typed() -> None:
    assert phone_search_term("Lan") == "Lan"
