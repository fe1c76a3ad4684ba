"""search_registered_models and search_model_versions: filters, order_by, pagination. Every test
works on its own uniquely named models (the server may be shared), so filters include a name."""

from __future__ import annotations

import pytest

from registry_helpers import empty_run, new_versions


def _names(models) -> list[str]:
    return [m.name for m in models]


@pytest.fixture
def family(client, model_name):
    """Four registered models sharing the prefix model_name, tagged and created in order
    alpha, bravo, Charlie, delta (mixed case on purpose)."""
    names = [f"{model_name}-alpha", f"{model_name}-bravo", f"{model_name}-Charlie", f"{model_name}-delta"]
    tags = [{"team": "a"}, {"team": "b"}, {"team": "a", "gpu": "yes"}, {}]
    for name, t in zip(names, tags):
        client.create_registered_model(name, tags=t)
    return model_name, names


def test_search_registered_models_filters(client, family):
    prefix, (alpha, bravo, charlie, delta) = family
    assert _names(client.search_registered_models(f"name = '{bravo}'")) == [bravo]
    assert _names(client.search_registered_models(f"name = '{prefix}-charlie'")) == []  # case-sensitive
    assert sorted(_names(client.search_registered_models(f"name LIKE '{prefix}-%'"))) == sorted(
        [alpha, bravo, charlie, delta]
    )
    assert _names(client.search_registered_models(f"name LIKE '{prefix}-c%'")) == []  # LIKE is case-sensitive
    assert _names(client.search_registered_models(f"name ILIKE '{prefix.upper()}-C%'")) == [charlie]
    assert sorted(_names(client.search_registered_models(f"name LIKE '{prefix}-%' AND tags.team = 'a'"))) == sorted(
        [alpha, charlie]
    )
    assert _names(client.search_registered_models(f"name LIKE '{prefix}-%' AND tags.`gpu` = 'yes'")) == [charlie]
    assert _names(client.search_registered_models(f"name LIKE '{prefix}-%' AND tags.team != 'a'")) == [bravo]
    assert _names(client.search_registered_models(f"name = '{prefix}-nobody'")) == []


def test_search_registered_models_order_by(client, family):
    prefix, names = family
    flt = f"name LIKE '{prefix}-%'"
    asc = _names(client.search_registered_models(flt, order_by=["name ASC"]))
    assert asc == sorted(names)  # byte order: "Charlie" before the lower-case names
    assert _names(client.search_registered_models(flt, order_by=["name DESC"])) == sorted(names, reverse=True)
    assert _names(client.search_registered_models(flt)) == asc  # default: name ASC

    # Touch bravo last: it becomes the most recently updated.
    client.update_registered_model(names[1], description="touched")
    by_update = client.search_registered_models(flt, order_by=["last_updated_timestamp DESC", "name ASC"])
    assert _names(by_update)[0] == names[1]
    stamps = [m.last_updated_timestamp for m in by_update]
    assert stamps == sorted(stamps, reverse=True)
    by_update_asc = client.search_registered_models(flt, order_by=["last_updated_timestamp ASC", "name ASC"])
    assert _names(by_update_asc)[-1] == names[1]


def test_search_registered_models_pagination(client, family):
    prefix, names = family
    flt = f"name LIKE '{prefix}-%'"
    seen, token, pages = [], None, 0
    while True:
        page = client.search_registered_models(flt, max_results=3, order_by=["name ASC"], page_token=token)
        assert len(page) <= 3
        seen += _names(page)
        pages += 1
        token = page.token
        if not token:
            break
        assert pages < 10
    assert pages == 2
    assert seen == sorted(names)  # every model exactly once, in order


@pytest.fixture
def versions(client, model_name, experiment_id):
    """Model `model_name` with five versions: 1-3 from run_a, 4-5 from run_b; version 2 tagged."""
    client.create_registered_model(model_name)
    run_a = empty_run(client, experiment_id)
    run_b = empty_run(client, experiment_id)
    new_versions(client, model_name, run_a, 3)
    new_versions(client, model_name, run_b, 2)
    client.set_model_version_tag(model_name, "2", "validated", "true")
    client.set_model_version_tag(model_name, "4", "validated", "false")
    return model_name, run_a.info.run_id, run_b.info.run_id


def _numbers(found) -> list[int]:
    return [int(v.version) for v in found]


def test_search_model_versions_filters(client, versions):
    name, run_a, run_b = versions
    assert sorted(_numbers(client.search_model_versions(f"name = '{name}'"))) == [1, 2, 3, 4, 5]
    assert all(v.name == name for v in client.search_model_versions(f"name = '{name}'"))
    assert sorted(_numbers(client.search_model_versions(f"run_id = '{run_a}'"))) == [1, 2, 3]
    assert sorted(_numbers(client.search_model_versions(f"run_id IN ('{run_b}')"))) == [4, 5]
    assert sorted(_numbers(client.search_model_versions(f"run_id IN ('{run_a}', '{run_b}')"))) == [1, 2, 3, 4, 5]
    assert sorted(_numbers(client.search_model_versions(f"name = '{name}' AND version_number > 3"))) == [4, 5]
    assert sorted(_numbers(client.search_model_versions(f"name = '{name}' AND version_number <= 2"))) == [1, 2]
    assert _numbers(client.search_model_versions(f"name = '{name}' AND version_number = 3")) == [3]
    assert sorted(
        _numbers(client.search_model_versions(f"name = '{name}' AND version_number >= 2 AND version_number < 5"))
    ) == [2, 3, 4]
    assert _numbers(client.search_model_versions(f"name = '{name}' AND tags.validated = 'true'")) == [2]
    assert sorted(_numbers(client.search_model_versions(f"name = '{name}' AND tags.`validated` LIKE '%'"))) == [2, 4]
    assert _numbers(client.search_model_versions(f"name = '{name}' AND run_id = '{run_b}' AND version_number < 5")) == [4]
    assert client.search_model_versions(f"name = '{name}-nobody'") == []


def test_search_model_versions_order_by(client, versions):
    name = versions[0]
    flt = f"name = '{name}'"
    assert _numbers(client.search_model_versions(flt, order_by=["version_number ASC"])) == [1, 2, 3, 4, 5]
    assert _numbers(client.search_model_versions(flt, order_by=["version_number DESC"])) == [5, 4, 3, 2, 1]
    by_time = client.search_model_versions(flt, order_by=["creation_timestamp DESC", "version_number DESC"])
    assert _numbers(by_time) == [5, 4, 3, 2, 1]
    # Default order: last_updated_timestamp DESC, name ASC, version_number DESC.
    client.update_model_version(name, "2", description="touched last")
    default = client.search_model_versions(flt)
    assert _numbers(default)[0] == 2
    rest = [v for v in default if v.version != "2"]
    assert [(-v.last_updated_timestamp, -int(v.version)) for v in rest] == sorted(
        (-v.last_updated_timestamp, -int(v.version)) for v in rest
    )


def test_search_model_versions_pagination(client, versions):
    name = versions[0]
    seen, token, pages = [], None, 0
    while True:
        page = client.search_model_versions(
            f"name = '{name}'", max_results=2, order_by=["version_number ASC"], page_token=token
        )
        assert len(page) <= 2
        seen += _numbers(page)
        pages += 1
        token = page.token
        if not token:
            break
        assert pages < 10
    assert pages == 3
    assert seen == [1, 2, 3, 4, 5]  # every version exactly once, in order
