"""One whole flow with LANGUAGE=vi: what the team reads is Vietnamese, numbers and all."""

from sandbox.standins.slack_api import block_text
from tests.e2e.harness import composer_values, json_or_empty, wait_for


def test_a_send_in_vietnamese(app_factory, slack_api, esms):
    app = app_factory(LANGUAGE="vi")
    assert "Gửi tin nhắn Viber bằng `/viber`" in app.command("help").json()["text"]
    refused = json_or_empty(app.submit_composer(composer_values("12345", text="")))
    assert "không phải số di động Việt Nam" in refused["errors"]["recipients"]
    assert "Hãy nhập nội dung hoặc thêm ảnh" in refused["errors"]["text"]

    answer = app.command("0901234567,0912345678 Chào anh chị 🎉").json()
    assert answer["text"].startswith("Đang gửi tới 2 số")
    wait_for(lambda: len(esms.accepted) == 2)
    parent = wait_for(lambda: slack_api.parents())[0]
    wait_for(lambda: "eSMS đã nhận 2/2" in block_text(slack_api.messages[parent.ts].blocks))
    shown = block_text(slack_api.messages[parent.ts].blocks)
    assert "*Tin nhắn Viber* của <@U0001>" in shown and "*Trạng thái:*" in shown
    first, second = (esms.accepted_for(phone)[0] for phone in ("0901234567", "0912345678"))
    esms.callback(first, 5, success=1)
    esms.refuse_phone.clear()
    esms.callback(second, 4, failed=1)
    wait_for(
        lambda: (
            len("\n".join(block_text(m.blocks) for m in slack_api.replies(parent.ts)).splitlines())
            >= 2
        )
    )
    replies = "\n".join(block_text(m.blocks) for m in slack_api.replies(parent.ts))
    assert "✅ 0901234567: đã nhận" in replies and "⛔ 0912345678: bị eSMS từ chối" in replies
    wait_for(
        lambda: (
            "Đã nhận 1/2 · bị eSMS từ chối 1/2" in block_text(slack_api.messages[parent.ts].blocks)
        )
    )

    app.command("balance", response_url=slack_api.response_url())
    (balance,) = wait_for(lambda: slack_api.responses)
    assert balance["text"] == "Số dư eSMS: *36.693 ₫*"
