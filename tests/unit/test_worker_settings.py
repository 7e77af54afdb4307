"""``HUB_WORKERS`` and ``HUB_THREADS``: how many processes and threads ``hub serve`` runs."""

import pytest

from hub.config import ConfigError, Settings


def test_one_worker_of_eight_threads_unless_told_otherwise():
    settings = Settings.from_env({})
    assert (settings.workers, settings.threads) == (1, 8)


def test_flags_override_the_environment():
    settings = Settings.from_env({"HUB_WORKERS": "2", "HUB_THREADS": "4"}, workers=3)
    assert (settings.workers, settings.threads) == (3, 4)


@pytest.mark.parametrize(
    ("env", "overrides", "message"),
    [
        ({"HUB_WORKERS": "0"}, {}, "HUB_WORKERS must be between 1 and 64, not 0"),
        ({"HUB_WORKERS": "65"}, {}, "HUB_WORKERS must be between 1 and 64, not 65"),
        ({"HUB_WORKERS": "2.5"}, {}, "HUB_WORKERS must be an integer"),
        ({}, {"workers": -1}, "HUB_WORKERS must be between 1 and 64, not -1"),
        ({"HUB_THREADS": "0"}, {}, "HUB_THREADS must be between 1 and 256, not 0"),
    ],
)
def test_a_count_that_cannot_serve_is_a_configuration_error_naming_it(env, overrides, message):
    with pytest.raises(ConfigError) as caught:
        Settings.from_env(env, **overrides)
    assert str(caught.value) == message
