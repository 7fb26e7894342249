"""Settings read from the environment: the trusted proxies."""

import pytest

from secretariat.core.config import Settings


def settings_from(tmp_path, **environ) -> Settings:
    return Settings.from_env({"SECRETARIAT_SECRET_KEY": "k", **environ}, data_dir=tmp_path)


def test_no_proxy_is_trusted_unless_configured(tmp_path):
    assert settings_from(tmp_path).trusted_proxies == ()


def test_trusted_proxies_are_addresses_and_networks_separated_by_commas(tmp_path):
    chosen = settings_from(tmp_path, SECRETARIAT_TRUSTED_PROXIES=" 10.0.0.5, 10.1.0.0/16 ,::1")
    assert chosen.trusted_proxies == ("10.0.0.5", "10.1.0.0/16", "::1")


@pytest.mark.parametrize("value", ["*", "proxy.example", "10.0.0.300"])
def test_a_trusted_proxy_that_is_not_an_address_or_network_is_refused_at_start(tmp_path, value):
    with pytest.raises(ValueError, match="SECRETARIAT_TRUSTED_PROXIES"):
        settings_from(tmp_path, SECRETARIAT_TRUSTED_PROXIES=value)
