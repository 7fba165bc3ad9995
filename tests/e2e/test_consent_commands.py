"""Consent to marketing through the real app: `/viber consent …` over signed HTTP as Slack
sends it, and `viber-bot consent import | export` as its own process on the app's database."""

from __future__ import annotations

from tests.e2e.harness import run_cli

PHONE = "0901234567"


def ask(app, words: str, user: str = "U0001") -> str:
    response = app.command(f"consent {words}", user=user)
    assert response.status_code == 200
    answer = response.json()
    assert answer["response_type"] == "ephemeral"
    return answer["text"]


def test_consent_is_added_shown_and_withdrawn(app):
    # Slack sends what the person typed with &, < and > as entities.
    added = ask(app, "add 090 123 4567 signed form 12/2026 &amp; &lt;order A123&gt;")
    assert "Marketing consent recorded for 0901234567" in added
    assert "signed form 12/2026 &amp; &lt;order A123&gt;" in added
    shown = ask(app, PHONE)
    assert "*Marketing consent of 0901234567*" in shown
    assert "(Slack), recorded by <@U0001>" in shown and "Evidence: signed form" in shown
    withdrawn = ask(app, f"remove {PHONE} moved abroad", user="U0002")
    assert "Marketing consent withdrawn for 0901234567" in withdrawn
    history = ask(app, f"history {PHONE}")
    assert "No consent on record" in history
    assert "<@U0002> withdrew consent (Slack): moved abroad" in history
    assert "no marketing consent on record; nothing changed" in ask(app, f"remove {PHONE}")
    assert PHONE not in app.log() and "•••••••567" in app.log()


def test_consent_is_refused_for_an_opted_out_number(app):
    app.command(f"optout add {PHONE} asked on the phone")
    refused = ask(app, f"add {PHONE} signed form")
    assert refused.startswith(f"{PHONE} opted out on ")
    assert "must be taken off the opt-outs by an opt-out admin" in refused
    shown = ask(app, PHONE)
    assert "🚫 Opted out since" in shown and "Consent since" not in shown
    assert "recorded consent" not in shown


def test_bad_evidence_or_a_bad_number_records_nothing(app):
    assert "Say what the customer agreed to and how" in ask(app, f"add {PHONE}")
    assert "at most 500 characters" in ask(app, f"add {PHONE} " + "x" * 501)
    assert "12345 is not a Vietnamese mobile number" in ask(app, "add 12345 signed form")
    assert "`/viber consent add NUMBER evidence`" in ask(app, "")
    assert "never had" in ask(app, PHONE)


def test_only_people_allowed_to_send_record_consent(app_factory):
    app = app_factory(ALLOWED_USERS="U0001")
    refused = app.command(f"consent add {PHONE} signed form", user="U0999").json()["text"]
    assert "not on the list of people who may send" in refused
    assert "never had" in ask(app, PHONE)


def test_a_file_with_a_bad_row_records_nothing(app, tmp_path):
    sheet = tmp_path / "consents.csv"
    sheet.write_text(
        "phone,evidence,given_at\n"
        "0901234567,signed form,2024-01-15\n"
        "0912345678,,2024-01-15\n"
        "12345,website checkbox,15/01/2024\n"
    )
    result = run_cli(app.env, "consent", "import", str(sheet))
    assert result.returncode == 1
    assert "nothing was imported" in result.stderr
    assert "row 3: no evidence" in result.stderr and "row 4: '12345'" in result.stderr
    exported = run_cli(app.env, "consent", "export")
    assert exported.returncode == 0 and exported.stdout.count("\n") == 1  # the header alone
    assert "never had" in ask(app, PHONE)


def test_a_file_is_imported_exported_and_imported_again_unchanged(app, tmp_path):
    ask(app, "add 0987654321 told the hotline, call 42")
    sheet = tmp_path / "consents.csv"
    sheet.write_bytes(
        "\ufeffSố điện thoại;Evidence;Given_at\n"
        "0901234567;phiếu đăng ký ký tên 12/2026;01/12/2024 09:30\n"
        "+84 912 345 678;=website checkbox;2024-11-30T08:00:00+07:00\n".encode()
    )
    result = run_cli(app.env, "consent", "import", str(sheet))
    assert result.returncode == 0, result.stderr
    assert "Recorded 2 consents (0 were on record already)." in result.stdout
    exported = run_cli(app.env, "consent", "export")
    lines = exported.stdout.splitlines()
    assert lines[0] == "phone,given_at,evidence,source,recorded_by,recorded_at"
    assert "0901234567,2024-12-01T09:30:00+07:00,phiếu đăng ký ký tên 12/2026,import,cli:" in (
        exported.stdout
    )
    assert ",'=website checkbox," in exported.stdout  # a spreadsheet computes nothing
    assert len(lines) == 4 and "3 consents on record." in exported.stderr
    again = tmp_path / "exported.csv"
    again.write_text(exported.stdout)
    result = run_cli(app.env, "consent", "import", str(again))
    assert result.returncode == 0, result.stderr
    assert "Recorded 0 consents (3 were on record already)." in result.stdout
    shown = ask(app, PHONE)
    assert "recorded consent given 2024-12-01 (file import): phiếu đăng ký" in shown
    assert "<@cli:" not in shown
