"""Where the bot may POST: a Slack response_url, a help desk's callback_url."""

from __future__ import annotations

import pytest

from bot.policies.urls import is_response_url, may_call_back

SLACK_API = "https://slack.com/api/"
FAKE_API = "http://127.0.0.1:8123/api/"


@pytest.mark.parametrize(
    ("url", "api", "accepted"),
    [
        ("https://hooks.slack.com/actions/T0/1/abc", SLACK_API, True),
        ("https://hooks.slack.com:443/commands/T0/1/abc", SLACK_API, True),
        ("http://hooks.slack.com/actions/T0/1/abc", SLACK_API, False),  # never in clear
        ("https://hooks.slack.com.evil.example/x", SLACK_API, False),
        ("https://evil.example/hooks.slack.com", SLACK_API, False),
        ("https://user@hooks.slack.com/x", SLACK_API, False),
        ("https://hooks.slack.com:8443/x", SLACK_API, False),
        ("http://127.0.0.1:8123/response/cmd", FAKE_API, True),  # the stand-in Slack's own host
        ("http://127.0.0.1:9999/response/cmd", FAKE_API, False),  # another port is another server
        ("http://127.0.0.1:8123/response/cmd", SLACK_API, False),
        ("https://[::1", SLACK_API, False),
        ("", SLACK_API, False),
        (None, SLACK_API, False),
    ],
)
def test_a_response_url_is_slack_s(url, api, accepted):
    assert is_response_url(url, api) is accepted


@pytest.mark.parametrize(
    ("url", "hosts", "allowed"),
    [
        ("https://helpdesk.example.com/callback/1", (), True),
        ("http://127.0.0.1:5000/cb", (), True),  # a help desk on the same machine or network is common
        ("http://169.254.169.254/latest/meta-data/", (), False),  # every cloud's metadata service
        ("http://[fe80::1]/cb", (), False),
        ("http://0.0.0.0/cb", (), False),
        ("http://224.0.0.1/cb", (), False),
        ("https://user:pass@helpdesk.example.com/cb", (), False),
        ("ftp://helpdesk.example.com/cb", (), False),
        ("https://acme.zendesk.com/cb", ("helpdesk.example.com", ".zendesk.com"), True),
        ("https://zendesk.com/cb", (".zendesk.com",), True),
        ("https://evilzendesk.com/cb", (".zendesk.com",), False),
        ("https://helpdesk.example.com.evil.example/cb", ("helpdesk.example.com",), False),
        ("https://HELPDESK.example.com./cb", ("helpdesk.example.com",), True),
    ],
)
def test_a_callback_url_is_a_help_desk_s(url, hosts, allowed):
    assert may_call_back(url, hosts).allowed is allowed
