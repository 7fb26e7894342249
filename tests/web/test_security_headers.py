"""Every answer carries the security headers, and no template relies on what the content
security policy forbids (inline script, inline styles, event-handler attributes)."""

import re
from pathlib import Path

import pytest

import callcenter
import exchange
import mailroom
import secretariat

EXPECTED = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}
TEMPLATES = sorted(path for package in (secretariat, mailroom, exchange, callcenter)
                   for path in Path(package.__file__).parent.rglob("templates/*.html"))
FORBIDDEN = {"inline script": re.compile(r"<script(?![^>]*\bsrc=)", re.I),
             "style attribute": re.compile(r"\sstyle\s*=", re.I),
             "style element": re.compile(r"<style", re.I),
             "event-handler attribute": re.compile(r"\son[a-z]+\s*=", re.I),
             "javascript: URL": re.compile(r"javascript:", re.I)}


def assert_security_headers(answer):
    policy = answer.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy and "unsafe-inline" not in policy
    assert {name: answer.headers.get(name) for name in EXPECTED} == EXPECTED


def test_a_page_carries_the_security_headers(client):
    answer = client.get("/login")
    assert answer.status_code == 200
    assert_security_headers(answer)


def test_an_error_page_carries_the_security_headers(client):
    client.get("/login")
    answer = client.post("/login", data={"username": "someone", "password": "whatever-it-is"})
    assert answer.status_code == 403 and "CSRF" in answer.text
    assert_security_headers(answer)


def test_a_static_file_carries_the_security_headers(client):
    answer = client.get("/static/app.css")
    assert answer.status_code == 200
    assert_security_headers(answer)


def test_templates_were_found_in_every_package():
    assert {path.relative_to(Path(secretariat.__file__).parent.parent).parts[0] for path in TEMPLATES} == {
        "secretariat", "mailroom", "exchange", "callcenter"}


@pytest.mark.parametrize("template", TEMPLATES, ids=[f"{p.parent.parent.name}/{p.name}" for p in TEMPLATES])
def test_no_template_relies_on_what_the_content_security_policy_blocks(template):
    text = template.read_text(encoding="utf-8")
    assert [what for what, pattern in FORBIDDEN.items() if pattern.search(text)] == []


def test_only_the_softphone_page_may_reach_twilio(client, login, factory):
    """The agent's screen carries the softphone, which talks to Twilio's servers; no other page may
    connect anywhere but here."""
    login(factory.user("agent"))
    softphone = client.get("/callcenter").headers["content-security-policy"]
    elsewhere = client.get("/callcenter/callbacks").headers["content-security-policy"]
    assert "connect-src 'self' wss://*.twilio.com" in softphone
    assert "default-src 'self'" in softphone and "frame-ancestors 'none'" in softphone
    assert "twilio" not in elsewhere
