from tests.e2e.harness import composer_values, wait_for


def test_modal_send_round_trip(app, slack_api, esms):
    response = app.submit_composer(
        composer_values("0901234567, +84 912 345 678", text="Xin chào 🍀")
    )
    assert response.status_code == 200, response.text
    wait_for(lambda: len(esms.submissions) == 2 and esms.submissions)
    parent = wait_for(lambda: slack_api.parents("C0001"))[0]
    sub = esms.sends_to("0901234567")[0]
    assert esms.callback(sub, 5, success=1).status_code == 200
    wait_for(lambda: slack_api.replies(parent.ts))
    print(slack_api.replies(parent.ts)[0].text, parent.text)
