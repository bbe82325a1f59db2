"""The help directory: sourced entries, loaded into the database, found by town and kind."""

from __future__ import annotations

import pytest

from bot import directory


def test_every_entry_has_a_source_and_a_check_date() -> None:
    entries = directory.read_entries()
    assert len(entries) >= 20
    for e in entries:
        assert e["source_url"].startswith("http"), e["slug"]
        assert e["checked_on"], e["slug"]


@pytest.mark.parametrize("city", ["Göteborg", "Malmö", "Stockholm", "Uppsala"])
def test_find_shelter_gives_local_services_then_national(city: str) -> None:
    directory.load()
    found = directory.find(directory.INTENT_KINDS["find_shelter"], city)
    assert found["local"], f"no local service for a place to sleep in {city}"
    assert all(s.municipality == city for s in found["local"])
    assert len(found["local"]) <= 3
    assert all(s.municipality is None for s in found["national"])


def test_without_a_town_only_national_services() -> None:
    directory.load()
    found = directory.find(["helpline"], None)
    assert not found["local"] and found["national"]


def test_loading_twice_updates_instead_of_duplicating() -> None:
    first = directory.load()
    assert directory.load() == first
