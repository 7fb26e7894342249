"""The residents' pages on a small phone (320 and 390 px), in Japanese and in English: nothing wider than the
screen, every target at least 44 × 44 px, and no serious or critical axe-core violation; the language menu
switches the pages and the choice sticks; やさしい日本語 shows furigana."""

import pytest

from tests.browser.crawl_support import axe_violations
from tests.browser.test_online_application import fill_new_account, resident, sign_in  # noqa: F401 (fixture)
from tests.online.conftest import photo
from tests.online.test_push import MOBILE, make_push_programme, send_notices, texted_link

pytestmark = pytest.mark.browser
WIDTHS = (320, 390)
# what a finger must hit: links, buttons, fields; a radio or checkbox through its label
SMALL_TARGETS = """() => {
  const small = [];
  for (const el of document.querySelectorAll('a, button, select, input:not([type=hidden])')) {
    const target = (el.type === 'radio' || el.type === 'checkbox') ? el.closest('label') : el;
    const box = target.getBoundingClientRect();
    if (box.width < 44 || box.height < 44) small.push(`${el.outerHTML.slice(0, 80)} ${box.width}x${box.height}`);
  }
  return small;
}"""


def problems_of(page, name: str) -> list[str]:
    """Every width's overflow, small targets and axe findings for the page open now."""
    found = []
    page.wait_for_load_state()  # a form's redirect may still be replacing the document
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        scroll = page.evaluate("document.documentElement.scrollWidth")
        if scroll > width:
            found.append(f"{name} {width}px: scrollWidth {scroll}")
        found += [f"{name} {width}px: target {small}" for small in page.evaluate(SMALL_TARGETS)]
        found += [f"{name} {width}px: {violation}" for violation in axe_violations(page)]
    return found


def pick(page, language: str) -> None:
    """Choose the language from the menu (it is remembered for the visit)."""
    page.goto(page.url.split("?")[0] + f"?lang={language}")


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_online_application_pages_fit_a_small_phone_and_pass_axe(page, live_server, resident, language,
                                                                    tmp_path):
    _household, token, born, picture = resident
    page.goto(f"{live_server}/a/{token}")
    pick(page, language)
    found = problems_of(page, "factor")
    page.fill("input[name=year]", "1")
    page.fill("input[name=month]", "13")
    page.fill("input[name=day]", "1")
    page.click("button[type=submit]")
    found += problems_of(page, "factor with an error")
    sign_in(page, live_server, token, born)
    found += problems_of(page, "application")
    fill_new_account(page)
    page.set_input_files("input[name=photo_id_copy]", str(picture))
    page.click("button[type=submit]")
    found += problems_of(page, "done, deficient")
    page.click("#deficiencies a.button")
    found += problems_of(page, "application, deficient")
    page.set_input_files("input[name=photo_bank_book_copy]", str(picture))
    page.fill("input[name=bank]", "存在しない銀行")
    page.click("button[type=submit]")
    found += problems_of(page, "application with an error")
    page.fill("input[name=bank]", "0001")
    page.set_input_files("input[name=photo_bank_book_copy]", str(picture))
    page.click("button[type=submit]")
    assert page.locator("#outcome").count() == 1
    found += problems_of(page, "done")
    assert found == []


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_push_answer_pages_fit_a_small_phone_and_pass_axe(page, live_server, factory, tmp_path, language):
    made = make_push_programme(factory, tmp_path, 1, (MOBILE,))
    send_notices(factory, made)
    token = texted_link(factory, made.household(0))
    page.goto(f"{live_server}/a/{token}")
    pick(page, language)
    sign_in(page, live_server, token, made.births[0])
    found = problems_of(page, "push answer")
    page.click("#decline")
    found += problems_of(page, "decline confirm")
    page.go_back()
    page.click("#change-account")
    found += problems_of(page, "account change")
    page.click("#submit-account")
    found += problems_of(page, "account change with an error")
    assert found == []


def test_the_menu_switches_the_language_and_it_sticks_across_pages(page, live_server, resident):
    _household, token, born, _picture = resident
    page.goto(f"{live_server}/a/{token}")
    assert page.get_attribute("html", "lang") == "ja"
    page.click("nav.languages >> text=Tiếng Việt")
    assert page.get_attribute("html", "lang") == "vi" and page.inner_text("h1") == "Xác nhận danh tính"
    sign_in(page, live_server, token, born)  # the form posts and redirects without ?lang
    assert page.get_attribute("html", "lang") == "vi" and page.inner_text("h1") == "Đăng ký nhận trợ cấp"
    assert page.get_attribute("nav.languages [aria-current]", "lang") == "vi"


def test_easy_japanese_shows_furigana(page, live_server, resident):
    _household, token, born, _picture = resident
    page.goto(f"{live_server}/a/{token}?lang=ja-easy")
    sign_in(page, live_server, token, born)
    assert page.locator("h1 ruby").count() >= 1
    assert page.inner_text("h1 ruby rt") == "きゅうふきん"


# a choice's words wrap as one text beside its box, and a two-line heading stays inside its box
BROKEN_LAYOUT = """() => {
  const found = [];
  for (const label of document.querySelectorAll('label.check')) {
    const items = [...label.childNodes].filter(n => n.nodeType === 1 || n.textContent.trim());
    if (items.length !== 2) found.push(`label with ${items.length} items: ${label.textContent.trim().slice(0, 30)}`);
  }
  for (const legend of document.querySelectorAll('fieldset > legend')) {
    const box = legend.parentElement, border = parseFloat(getComputedStyle(box).borderTopWidth);
    if (legend.getBoundingClientRect().top < box.getBoundingClientRect().top + border)
      found.push(`legend across its box's border: ${legend.textContent.trim().slice(0, 30)}`);
  }
  return found;
}"""


@pytest.mark.parametrize("language", ["ja-easy", "vi", "pt"])
def test_choices_and_headings_stay_whole_inside_their_boxes_at_390_px(page, live_server, resident, language):
    _household, token, born, _picture = resident
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(f"{live_server}/a/{token}?lang={language}")
    sign_in(page, live_server, token, born)
    assert page.evaluate(BROKEN_LAYOUT) == []
