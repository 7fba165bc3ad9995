"""The defects the one intake closed, through the real app over HTTP: a marketing campaign
labelled, a marketing template that stays marketing in the workflow step, an image-only
advertisement refused, MARKETING_SENDERS on every surface."""

from __future__ import annotations

import json

from tests.e2e.harness import advertised, composer_values, consent_on_record, wait_for
from tests.e2e.test_campaigns import accepted_phones, press, sheet, submit_campaign, thread
from tests.e2e.test_workflow_step import completion, run_step

MARKETING = {"category": {"type": "static_select", "selected_option": {"value": "marketing"}}}
OPEN_ALL_DAY = {"MARKETING_HOURS": "00:00-24:00", "MARKETING_PREFIX": "[QC]"}
MARKETER, AGENT = "U0001", "U0AGENT"
PHONES = ("0900000000", "0900000001")  # the campaign sheet's first rows


def test_a_marketing_campaign_reaches_esms_labelled_and_its_preview_shows_the_label(
    app_factory, slack_api, esms
):
    app = app_factory(**OPEN_ALL_DAY)
    consent_on_record(app.env, *PHONES[:2])
    upload = slack_api.add_file("khach.csv", sheet(2))
    answer = submit_campaign(app, upload, text="Sale 50% cho {Tên khách}", category="marketing")
    assert answer.status_code == 200 and not answer.text
    parent = wait_for(lambda: slack_api.parents("C0001"))[0]
    wait_for(lambda: "Preview" in thread(slack_api, parent), timeout=15)
    assert "[QC] Sale 50% cho Khách 0" in thread(slack_api, parent)
    started = wait_for(
        lambda: next(
            (
                m
                for m in [slack_api.messages[parent.ts]]
                if "campaign_start" in json.dumps(m.blocks)
            ),
            None,
        ),
        timeout=10,
    )
    press(app, started, "campaign_start")
    wait_for(lambda: len(accepted_phones(esms)) == 2, timeout=20)
    contents = sorted(advertised(s.body["Content"]) for s in esms.submissions if s.code == 100)
    assert contents == ["[QC] Sale 50% cho Khách 0", "[QC] Sale 50% cho Khách 1"]


def test_a_step_with_a_marketing_template_sends_marketing_and_refuses_care(
    app_factory, slack_api, esms
):
    app = app_factory(**OPEN_ALL_DAY, TEMPLATE_ADMINS=MARKETER)
    consent_on_record(app.env, "0901234567")
    added = app.command("template add promo marketing | Sale 50% hôm nay | | |", user=MARKETER)
    assert "promo" in added.json()["text"]
    done = completion(
        slack_api, run_step(app, slack_api, sender=MARKETER, text="", template="promo")
    )
    assert done.method == "functions.completeSuccess", done
    assert [advertised(s.body["Content"]) for s in esms.submissions] == ["[QC] Sale 50% hôm nay"]
    care = completion(
        slack_api,
        run_step(app, slack_api, sender=MARKETER, text="", template="promo", category="care"),
    )
    assert care.method == "functions.completeError" and "promo" in care.error
    assert len(esms.submissions) == 1


def test_an_image_only_advertisement_is_refused_saying_why(app_factory, slack_api, esms):
    app = app_factory(**OPEN_ALL_DAY)
    values = composer_values(image_url="https://cdn.example.com/sale.png")
    answer = app.submit_composer(values, extra_state=MARKETING).json()
    assert answer["response_action"] == "errors" and "[QC]" in answer["errors"]["text"]
    assert slack_api.parents("C0001") == [] and esms.submissions == []


def test_only_marketing_senders_send_marketing_on_every_surface(app_factory, slack_api, esms):
    app = app_factory(**OPEN_ALL_DAY, MARKETING_SENDERS=MARKETER)
    consent_on_record(app.env, "0901234567")
    values = composer_values(text="Sale 50%")
    refused = app.submit_composer(values, user=AGENT, extra_state=MARKETING).json()
    assert "MARKETING_SENDERS" in refused["errors"]["category"]
    upload = slack_api.add_file("khach.csv", sheet(1))
    campaign = submit_campaign(
        app, upload, text="Sale {Tên khách}", category="marketing", user=AGENT
    )
    assert "MARKETING_SENDERS" in json.dumps(campaign.json())
    step = completion(slack_api, run_step(app, slack_api, sender=AGENT, category="marketing"))
    assert step.method == "functions.completeError" and "MARKETING_SENDERS" in step.error
    assert slack_api.parents("C0001") == [] and esms.submissions == []
    # The care message and the marketer's own advertisement go.
    assert app.submit_composer(values, user=AGENT).text == ""
    assert app.submit_composer(values, user=MARKETER, extra_state=MARKETING).text == ""
    wait_for(lambda: len(esms.submissions) == 2, timeout=15)
    care, advertisement = sorted(s.body["Content"] for s in esms.submissions)
    assert (care, advertised(advertisement)) == ("Sale 50%", "[QC] Sale 50%")
