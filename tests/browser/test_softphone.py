"""The softphone on the agent's screen, driven through the browser with Twilio's Device replaced by
a stand-in at the page's one boundary (`window.SecretariatPhone.createDevice`): states, a call
answered by keyboard with the caller's record popping, mute, hold, transfer, hang-up and wrap-up."""

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from callcenter.telephony.models import CallRecord
from secretariat.core.config import Settings
from tests.browser.test_staff_journey import log_in
from tests.callcenter.test_telephony import LocalTwilio

pytestmark = pytest.mark.browser

ESCALATION = "+81355550009"
# Stands in for Twilio.Device and its Call: records what the page asks of them, and lets the test
# ring the phone (`SecretariatPhone.ring(sid)`).
FAKE_DEVICE = """
(() => {
  const emitter = (object) => {
    const handlers = {};
    object.on = (name, fn) => { (handlers[name] = handlers[name] || []).push(fn); };
    object.emit = (name, ...args) => { (handlers[name] || []).forEach((fn) => fn(...args)); };
    return object;
  };
  window.SecretariatPhone = {
    createDevice(token) {
      window.fakeDevice = emitter({token, registered: false,
        register() { this.registered = true; this.emit("registered"); return Promise.resolve(); },
        updateToken(fresh) { this.token = fresh; }});
      return window.fakeDevice;
    },
    ring(sid) {
      const call = emitter({muted: false, accepted: false, rejected: false, disconnected: false,
        parameters: {CallSid: "CA-agent-leg"}, customParameters: new Map(sid ? [["call_sid", sid]] : []),
        accept() { this.accepted = true; this.emit("accept", this); },
        reject() { this.rejected = true; this.emit("reject"); },
        disconnect() { this.disconnected = true; this.emit("disconnect", this); },
        mute(on) { this.muted = on; }, isMuted() { return this.muted; }});
      window.fakeCall = call;
      window.fakeDevice.emit("incoming", call);
    },
  };
})();
"""


@pytest.fixture
def settings(tmp_path, database_url):
    return Settings(data_dir=tmp_path, database_url=database_url, secret_key="k",
                    twilio_account_sid="AC" + "1" * 32, twilio_auth_token="auth", twilio_api_key_sid="SK" + "2" * 32,
                    twilio_api_key_secret="a-secret-of-thirty-two-bytes-or-more", twilio_twiml_app_sid="AP" + "3" * 32,
                    escalation_number=ESCALATION)


@pytest.fixture
def rest(app):
    app.state.twilio_http_client = LocalTwilio()
    return app.state.twilio_http_client


@pytest.fixture
def on_the_phone(factory, live_server, page, rest):
    """An agent on /callcenter, the stand-in device registered, and a Portuguese call from a known household."""
    tenant = factory.tenant(households=2)
    household = tenant.households[0]
    with factory.session() as session:
        session.add(CallRecord(call_sid="CA-BROWSER", status="answered", language="pt", household_id=household.id,
                               municipality_id=household.municipality_id))
        session.commit()
    page.add_init_script(FAKE_DEVICE)
    log_in(page, live_server, factory.user("agent").username)
    page.wait_for_selector("h1")
    page.goto(f"{live_server}/callcenter")
    expect(page.get_by_test_id("phone-device")).to_have_text("電話機 接続済み")
    return household


def state(page) -> str:
    return page.inner_text("[data-testid=phone-state]")


def test_a_call_is_answered_by_keyboard_pops_the_record_and_ends_in_a_required_wrap_up(factory, page, on_the_phone,
                                                                                     rest):
    page.focus("[data-testid=state-available]")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("phone-state")).to_have_text("受付可")

    page.evaluate("SecretariatPhone.ring('CA-BROWSER')")
    page.wait_for_selector("[data-testid=phone-incoming]:visible")
    assert page.evaluate("document.activeElement.dataset.testid") == "phone-accept"
    with page.expect_popup() as popped:
        page.keyboard.press("Enter")
    record = popped.value
    record.wait_for_load_state()
    assert f"/callcenter/households/{on_the_phone.id}?call=CA-BROWSER&lang=pt" in record.url
    assert record.input_value("select[name=language]") == "pt" and record.input_value("select[name=channel]") == "phone"
    assert record.input_value("input[name=call_sid]") == "CA-BROWSER"
    expect(page.get_by_test_id("phone-state")).to_have_text("通話中")

    page.click("[data-testid=phone-mute]")
    assert page.evaluate("fakeCall.muted") and page.get_attribute("[data-testid=phone-mute]", "aria-pressed") == "true"
    page.click("[data-testid=phone-hold]")
    expect(page.get_by_test_id("phone-hold")).to_have_text("保留解除")
    _, url, data = rest.requests[-1]
    assert url.endswith("/Calls/CA-BROWSER.json") and "<Enqueue>hold-agent-" in data["Twiml"]
    page.click("[data-testid=phone-hold]")
    expect(page.get_by_test_id("phone-hold")).to_have_text("保留")
    taken_back = rest.requests[-1][2]["Twiml"]
    assert "<Identity>agent-" in taken_back and "/twilio/voice/agent-result" in taken_back

    page.click("[data-testid=phone-hangup]")
    page.wait_for_selector("[data-testid=phone-wrapup]:visible")
    assert state(page) == "後処理"
    page.click("[data-testid=state-available]")
    expect(page.get_by_test_id("phone-error")).to_contain_text("後処理が終わっていません")
    assert state(page) == "後処理"
    page.click("[data-testid=wrapup-done]")
    assert page.inner_text("[data-testid=phone-error]") == "後処理コードを選んでください。"
    page.select_option("[data-testid=wrapup-code]", "resolved")
    page.click("[data-testid=wrapup-done]")
    expect(page.get_by_test_id("phone-state")).to_have_text("受付可")
    with factory.session() as session:
        assert session.exec(select(CallRecord.wrap_up_code)).one() == "resolved"


def test_a_call_is_transferred_to_the_escalation_line(page, on_the_phone, rest):
    page.evaluate("SecretariatPhone.ring('CA-BROWSER')")
    page.click("[data-testid=phone-accept]")
    expect(page.get_by_test_id("phone-state")).to_have_text("通話中")
    page.select_option("[data-testid=transfer-to]", "escalation")
    page.click("[data-testid=phone-transfer]")
    page.wait_for_selector("[data-testid=phone-wrapup]:visible")
    assert f"<Dial>{ESCALATION}</Dial>" in rest.requests[-1][2]["Twiml"]
    assert page.evaluate("fakeCall.disconnected") and state(page) == "後処理"


def test_a_rejected_call_leaves_the_agent_as_they_were(page, on_the_phone):
    page.click("[data-testid=state-break]")
    expect(page.get_by_test_id("phone-state")).to_have_text("休憩")
    page.evaluate("SecretariatPhone.ring('CA-BROWSER')")
    page.click("[data-testid=phone-reject]")
    assert page.evaluate("fakeCall.rejected") and page.is_hidden("[data-testid=phone-incoming]")
    assert state(page) == "休憩"


def test_the_softphone_fits_a_phones_width(page, on_the_phone):
    page.set_viewport_size({"width": 390, "height": 844})
    page.evaluate("SecretariatPhone.ring('CA-BROWSER')")
    page.click("[data-testid=phone-accept]")
    page.wait_for_selector("[data-testid=phone-call]:visible")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
