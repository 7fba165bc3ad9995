"""The demo's eSMS panel: what eSMS received, its text shown with its web addresses as links,
the app's own (an advertisement's stop link) followable, nothing in a text able to become
markup."""

from __future__ import annotations

from dataclasses import asdict

from bot.core.consent import new_stop_token, stop_line
from sandbox.demo.sent import OWN_LINK, linked, render_sent, sent_panel
from sandbox.standins.esms import EsmsStandIn, Recent, Submission
from tests.unit.test_demo_render import Page

APP = "http://127.0.0.1:8123"


def links(markup: str) -> list[dict[str, str | None]]:
    return [attributes for tag, attributes in Page(markup).tags if tag == "a"]


def test_an_advertisements_stop_link_opens_the_app_in_a_new_tab() -> None:
    token = new_stop_token()
    text = "[QC] Giảm 50% hôm nay" + stop_line(APP, token)
    markup = linked(text, APP)
    [link] = links(markup)
    assert link == {
        "class": OWN_LINK,
        "target": "_blank",
        "href": f"{APP}/stop/{token}",
        "rel": "noopener noreferrer",
    }
    assert Page(markup).visible() == f"[QC] Giảm 50% hôm nay Từ chối nhận tin: {APP}/stop/{token}"
    assert "\n" in markup  # the stop line on a line of its own (the panel keeps line breaks)


def test_other_addresses_are_links_to_show_and_the_sentence_keeps_its_punctuation() -> None:
    text = (
        "Xem https://shop.example/a123, http://127.0.0.1:9999/other (another port) "
        f"or HTTPS://SHOP.example/b? {APP}/media/x.jpg."
    )
    markup = linked(text, APP)
    found = links(markup)
    assert [link["href"] for link in found] == [
        "https://shop.example/a123",
        "http://127.0.0.1:9999/other",
        "HTTPS://SHOP.example/b",
        f"{APP}/media/x.jpg",
    ]
    assert [link.get("class") for link in found] == [None, None, None, OWN_LINK]
    assert all(link["rel"] == "noopener noreferrer" for link in found)
    assert Page(markup).visible() == " ".join(text.split())
    assert linked("no address at all, http:// or https://?", APP) == (
        "no address at all, http:// or https://?"
    )
    assert OWN_LINK not in linked(f"{APP}/stop/x")  # no app named: nothing is its own


def test_nothing_in_a_text_becomes_markup() -> None:
    hostile = [
        '<script>alert(1)</script> <img src=x onerror="alert(1)">',
        "javascript:alert(1) JAVASCRIPT://x%0Aalert(1) data:text/html,<b>x</b>",
        f"{APP}/stop/a\"onmouseover=\"alert(1) {APP}/x'onclick='alert(1)",
        f"{APP}/<script>alert(1)</script> https://x.example/`x` vbscript:msgbox",
        f"http://{APP.split('//')[1]}@evil.example/ https://evil.example#{APP}",
        "http://[::1 http://x:port/ https://a.example:99999/ &amp; &lt;b&gt;",
    ]
    for text in hostile:
        markup = linked(text, APP)
        page = Page(markup)
        assert {tag for tag, _attributes in page.tags} <= {"a"}, markup
        for attributes in links(markup):
            assert set(attributes) <= {"class", "target", "href", "rel"}, markup
            href = str(attributes["href"])
            assert href.lower().startswith(("http://", "https://")), markup
            assert not set(href) & set("\"'<> `"), markup
            if attributes.get("class") == OWN_LINK:
                assert href.startswith(APP + "/"), markup
        assert page.visible() == " ".join(text.split()), markup
    # Someone else's address, dressed as the app's, is not the app's.
    assert OWN_LINK not in linked(f"http://{APP.split('//')[1]}@evil.example/", APP)


def row(**more: object) -> dict[str, object]:
    fields = {
        "at": 1.0,
        "phone": "0901234567",
        "request_id": "r1",
        "sms_id": "s1",
        "code": 100,
        "status": "delivered",
        "outcome": "deliver",
        "callback_result": "HTTP 200",
    }
    return asdict(Recent(**{**fields, **more}))  # type: ignore[arg-type]


def test_the_log_shows_each_number_then_the_text_it_carried() -> None:
    token = new_stop_token()
    rows = [
        row(text="[QC] Giảm 50%" + stop_line(APP, token)),
        row(channel="sms", phone="0912345678", outcome=None, callback_result=None, text="<b>"),
        row(phone="0934567890", code=108, status="refused", outcome=None, callback_result=None),
    ]
    markup = render_sent(rows, APP)
    page = Page(markup)
    assert page.text == [
        "Viber · 0901234567 · delivered · code 100 · deliver · HTTP 200",
        "[QC] Giảm 50%\nTừ chối nhận tin: ",
        f"{APP}/stop/{token}",
        "SMS · 0912345678 · delivered · code 100",
        "<b>",
        "Viber · 0934567890 · refused · code 108",
    ]
    classes = [attributes.get("class") for tag, attributes in page.tags if tag == "div"]
    assert classes == [
        "gateway-row gateway-viber",
        None,
        "gateway-text",
        "gateway-row gateway-sms",
        None,
        "gateway-text",
        "gateway-row gateway-viber",
        None,  # no text: nothing beneath
    ]
    assert [link["href"] for link in links(markup)] == [f"{APP}/stop/{token}"]
    assert render_sent([]) == ""
    recent = Recent(**{**rows[0], "text": "x"})  # type: ignore[arg-type]
    assert sent_panel([recent], APP) == {
        "gateway": [{**rows[0], "text": "x"}],
        "gateway_log": render_sent([{**rows[0], "text": "x"}], APP),
    }


def test_the_stand_in_records_the_text_each_number_received(esms: EsmsStandIn) -> None:
    viber = {"Phones": ["0901234567", "0912345678"], "Content": "Xin chào", "RequestId": "r1"}
    esms.submissions.append(Submission(viber))
    esms.submissions.append(Submission({"Phone": "0934567890", "Content": "SMS"}, channel="sms"))
    esms.submissions.append(Submission({"Phones": ["0961234567"], "OttImgUrl": "x"}))
    texts = [(recent.phone, recent.text) for recent in esms.recent()]
    assert texts == [
        ("0961234567", ""),
        ("0934567890", "SMS"),
        ("0901234567", "Xin chào"),
        ("0912345678", "Xin chào"),
    ]
