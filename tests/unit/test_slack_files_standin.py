"""The Slack stand-in's files, driven by the real slack_sdk WebClient: a file a user uploaded
(its file object, its URLs with and without the bot token), the bot's uploads through
files_upload_v2 and by hand, and the channel membership they depend on."""

from __future__ import annotations

import json
import time
from urllib.error import HTTPError

import pytest
import requests
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from sandbox.standins.slack_api import BOT_USER_ID, DOWNLOAD, TEAM_ID, UPLOAD, SlackApiStandIn

CSV = "phone,name\n0901234567,Lan\n0912345678,Nguyễn Minh\n".encode()  # UTF-8, not ASCII


@pytest.fixture
def client(slack_api: SlackApiStandIn) -> WebClient:
    return WebClient(token=slack_api.token, base_url=slack_api.url + "api/", timeout=5)


def error_of(call) -> str:
    with pytest.raises(SlackApiError) as raised:
        call()
    return raised.value.response["error"]


def bearer(slack_api: SlackApiStandIn, token: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token or slack_api.token}"}


# -- a file a user uploaded through a modal's file_input ------------------------------------------


def test_a_user_file_has_the_shape_a_view_submission_carries(slack_api):
    first = slack_api.add_file("danh sách.csv", CSV, user="U0042")
    second = slack_api.add_file("other.csv", b"x\n")

    assert first["id"].startswith("F") and first["id"] != second["id"]
    assert (first["name"], first["title"], first["filetype"]) == ("danh sách.csv",) * 2 + ("csv",)
    assert (first["mimetype"], first["size"], first["user"]) == ("text/csv", len(CSV), "U0042")
    assert abs(first["created"] - time.time()) < 5
    prefix = f"{slack_api.url}files-pri/{TEAM_ID}-{first['id']}/"
    assert first["url_private"] == prefix + "danh%20s%C3%A1ch.csv"
    assert first["url_private_download"] == prefix + "download/danh%20s%C3%A1ch.csv"
    assert first["permalink"].endswith(f"/files/U0042/{first['id']}/danh%20s%C3%A1ch.csv")
    json.dumps(first)  # it travels inside a view_submission payload


def test_the_bytes_come_only_with_the_bot_token(slack_api):
    file = slack_api.add_file("numbers.csv", CSV)

    served = requests.get(file["url_private_download"], headers=bearer(slack_api), timeout=5)
    assert served.status_code == 200 and served.content == CSV
    assert served.headers["Content-Type"] == "text/csv"
    private = requests.get(file["url_private"], headers=bearer(slack_api), timeout=5)
    assert private.content == CSV
    assert slack_api.downloads == [file["id"], file["id"]]

    # Slack's sign-in page, with a 200: a client that only checks the status gets HTML.
    for headers in ({}, bearer(slack_api, "xoxb-someone-else")):
        page = requests.get(file["url_private_download"], headers=headers, timeout=5)
        assert page.status_code == 200
        assert page.headers["Content-Type"].startswith("text/html")
        assert page.text.startswith("<!DOCTYPE html>") and "Sign in" in page.text
        assert b"0901234567" not in page.content
    assert slack_api.refused_downloads == [file["id"], file["id"]]
    assert slack_api.downloads == [file["id"], file["id"]]  # unchanged

    unknown = file["url_private_download"].replace(file["id"], "F0NOSUCH")
    assert requests.get(unknown, headers=bearer(slack_api), timeout=5).status_code == 404


def test_downloads_take_scripted_faults_and_delays(slack_api):
    file = slack_api.add_file("numbers.csv", CSV)
    url = file["url_private_download"]
    slack_api.fail_next(DOWNLOAD, status=503)
    slack_api.fail_next(DOWNLOAD, status=429, retry_after=7)

    assert requests.get(url, headers=bearer(slack_api), timeout=5).status_code == 503
    limited = requests.get(url, headers=bearer(slack_api), timeout=5)
    assert (limited.status_code, limited.headers["Retry-After"]) == (429, "7")
    slack_api.delay[DOWNLOAD] = 0.5
    started = time.monotonic()
    assert requests.get(url, headers=bearer(slack_api), timeout=5).content == CSV
    assert time.monotonic() - started >= 0.5
    assert slack_api.downloads == [file["id"]]


def test_files_info_answers_a_known_file_and_refuses_an_unknown_one(slack_api, client):
    file = slack_api.add_file("numbers.csv", CSV)

    info = client.files_info(file=file["id"])["file"]
    assert (info["id"], info["name"], info["size"]) == (file["id"], "numbers.csv", len(CSV))
    assert info["url_private_download"] == file["url_private_download"]
    assert info["shares"] == {}
    assert error_of(lambda: client.files_info(file="F0NOSUCH")) == "file_not_found"


# -- the bot uploading a results file ------------------------------------------------------------


def test_files_upload_v2_shares_the_results_file_in_the_thread(slack_api, client):
    parent = client.chat_postMessage(channel="C0001", text="Sending to 2 numbers")["ts"]
    done = client.files_upload_v2(
        channel="C0001",
        thread_ts=parent,
        content=CSV,
        filename="results.csv",
        title="Campaign results",
        initial_comment="Here are the results",
    )

    file = done["file"]
    assert (file["name"], file["title"], file["size"]) == (
        "results.csv",
        "Campaign results",
        len(CSV),
    )
    assert (file["filetype"], file["mimetype"], file["user"]) == ("csv", "text/csv", BOT_USER_ID)
    [step1] = slack_api.calls_to("files.getUploadURLExternal")
    assert (step1.args["filename"], step1.args["length"]) == ("results.csv", str(len(CSV)))
    [upload] = slack_api.uploads
    assert (upload.file_id, upload.filename, upload.title) == (
        file["id"],
        "results.csv",
        "Campaign results",
    )
    assert (upload.content, upload.channel_id, upload.thread_ts) == (CSV, "C0001", parent)
    assert upload.initial_comment == "Here are the results"
    [reply] = slack_api.replies(parent)
    assert (reply.channel, reply.text) == ("C0001", "Here are the results")
    assert [f["id"] for f in reply.files] == [file["id"]]
    assert [m.ts for m in slack_api.parents("C0001")] == [parent]  # not a new parent
    shares = client.files_info(file=file["id"])["file"]["shares"]
    assert shares == {"public": {"C0001": [{"ts": reply.ts, "thread_ts": parent}]}}
    served = requests.get(file["url_private_download"], headers=bearer(slack_api), timeout=5)
    assert served.content == CSV


def test_a_length_that_does_not_match_the_bytes_fails_the_completion(slack_api, client):
    step1 = client.files_getUploadURLExternal(filename="results.csv", length=len(CSV) + 5)
    assert step1["file_id"].startswith("F")
    assert step1["upload_url"].startswith(slack_api.url + "upload/")

    posted = requests.post(step1["upload_url"], data=CSV, timeout=5)
    assert (posted.status_code, posted.text) == (200, f"OK - {len(CSV)}")
    assert posted.headers["Content-Type"] == "text/plain"
    with pytest.raises(SlackApiError) as raised:
        client.files_completeUploadExternal(
            files=[{"id": step1["file_id"], "title": "Results"}], channel_id="C0001"
        )
    assert raised.value.response["error"] == "invalid_arguments"
    [message] = raised.value.response["response_metadata"]["messages"]
    assert f"{len(CSV)} bytes uploaded, length {len(CSV) + 5}" in message
    assert slack_api.uploads == [] and slack_api.parents("C0001") == []
    assert error_of(lambda: client.files_info(file=step1["file_id"])) == "file_not_found"


def test_by_hand_with_a_multipart_body_and_no_channel_the_file_stays_private(slack_api, client):
    step1 = client.files_getUploadURLExternal(filename="results.csv", length=len(CSV))
    posted = requests.post(
        step1["upload_url"], files={"file": ("results.csv", CSV, "text/csv")}, timeout=5
    )
    assert posted.text == f"OK - {len(CSV)}"

    done = client.files_completeUploadExternal(files=[{"id": step1["file_id"]}])
    assert [(f["id"], f["title"]) for f in done["files"]] == [(step1["file_id"], "results.csv")]
    [upload] = slack_api.uploads
    assert (upload.content, upload.channel_id, upload.thread_ts) == (CSV, None, None)
    assert slack_api.messages == {}
    # One completion per upload: the same id again is no longer pending.
    again = lambda: client.files_completeUploadExternal(files=[{"id": step1["file_id"]}])  # noqa: E731
    assert error_of(again) == "file_not_found"


def test_ids_never_uploaded_and_bad_arguments_are_refused(slack_api, client):
    never_posted = client.files_getUploadURLExternal(filename="a.csv", length=3)["file_id"]
    for file_id in ("F0NEVER", never_posted):
        complete = lambda file_id=file_id: client.files_completeUploadExternal(  # noqa: E731
            files=[{"id": file_id}], channel_id="C0001"
        )
        assert error_of(complete) == "file_not_found"
    for params in ({"filename": "a.csv"}, {"length": 3}, {"filename": "a.csv", "length": 0}):
        call = lambda params=params: client.api_call(  # noqa: E731
            "files.getUploadURLExternal", params=params
        )
        assert error_of(call) == "invalid_arguments"
    as_json = client.api_call("files.getUploadURLExternal", json={"filename": "a", "length": 2})
    assert as_json["file_id"].startswith("F")
    assert error_of(lambda: client.api_call("files.completeUploadExternal")) == "invalid_arguments"
    assert requests.post(slack_api.url + "upload/nosuch", data=b"x", timeout=5).status_code == 404


def test_a_failing_upload_url_makes_files_upload_v2_raise(slack_api, client):
    slack_api.fail_next(UPLOAD, status=500)
    with pytest.raises(HTTPError) as raised:
        client.files_upload_v2(channel="C0001", content=CSV, filename="results.csv")
    assert raised.value.code == 500
    assert slack_api.uploads == [] and slack_api.calls_to("files.completeUploadExternal") == []


def test_a_thread_of_another_channel_is_not_found(slack_api, client):
    parent = client.chat_postMessage(channel="C0001", text="parent")["ts"]
    upload = lambda: client.files_upload_v2(  # noqa: E731
        channel="C0002", thread_ts=parent, content=CSV, filename="r.csv"
    )
    assert error_of(upload) == "thread_not_found"
    assert slack_api.uploads == [] and slack_api.replies(parent) == []


# -- channel membership --------------------------------------------------------------------------


def test_not_in_channel_then_join_then_the_upload_succeeds(slack_api, client):
    slack_api.not_member.add("C0RESULTS")
    upload = lambda: client.files_upload_v2(  # noqa: E731
        channel="C0RESULTS", content=CSV, filename="results.csv", initial_comment="Results"
    )
    assert error_of(upload) == "not_in_channel"
    assert client.conversations_info(channel="C0RESULTS")["channel"]["is_member"] is False

    joined = client.conversations_join(channel="C0RESULTS")
    assert joined["channel"]["id"] == "C0RESULTS" and joined["channel"]["is_member"] is True
    assert "warning" not in joined.data and slack_api.joined == ["C0RESULTS"]
    file_id = upload()["file"]["id"]
    [share] = slack_api.parents("C0RESULTS")
    assert (share.text, [f["id"] for f in share.files]) == ("Results", [file_id])
    assert slack_api.uploads[0].channel_id == "C0RESULTS"

    again = client.conversations_join(channel="C0RESULTS")
    assert again["warning"] == "already_in_channel" and slack_api.joined == ["C0RESULTS"]


def test_a_private_channel_cannot_be_joined_and_an_unknown_one_is_not_found(slack_api, client):
    slack_api.not_member.update({"G0PRIVATE", "C0SECRET"})
    slack_api.private_channels.add("C0SECRET")
    for channel in ("G0PRIVATE", "C0SECRET"):
        join = lambda channel=channel: client.conversations_join(channel=channel)  # noqa: E731
        assert error_of(join) == "method_not_supported_for_channel_type"
        info = client.conversations_info(channel=channel)["channel"]
        assert (info["is_private"], info["is_member"], info["is_channel"]) == (True, False, False)
    assert slack_api.not_member >= {"G0PRIVATE", "C0SECRET"} and slack_api.joined == []
    upload = lambda: client.files_upload_v2(channel="G0PRIVATE", content=CSV, filename="r.csv")  # noqa: E731
    assert error_of(upload) == "not_in_channel"

    slack_api.missing_channels.add("C0GONE")
    for call in (
        lambda: client.conversations_join(channel="C0GONE"),
        lambda: client.conversations_info(channel="C0GONE"),
        lambda: client.conversations_join(channel="not-an-id"),
        lambda: client.chat_postMessage(channel="C0GONE", text="hello"),
        lambda: client.files_upload_v2(channel="C0GONE", content=CSV, filename="r.csv"),
    ):
        assert error_of(call) == "channel_not_found"
    assert slack_api.uploads == []


def test_a_direct_message_is_opened_and_takes_messages_and_files(slack_api, client):
    opened = client.conversations_open(users="U0042")
    dm = opened["channel"]["id"]
    assert dm.startswith("D") and "already_open" not in opened.data
    reopened = client.conversations_open(users=["U0042"])
    assert (reopened["channel"]["id"], reopened["already_open"]) == (dm, True)
    assert client.conversations_open(users="U0043")["channel"]["id"] != dm
    assert error_of(lambda: client.conversations_open(users="not-a-user")) == "user_not_found"
    info = client.conversations_info(channel=dm)["channel"]
    assert (info["is_im"], info["user"]) == (True, "U0042")

    ts = client.chat_postMessage(channel=dm, text="Your export is ready")["ts"]
    done = client.files_upload_v2(channel=dm, thread_ts=ts, content=CSV, filename="results.csv")
    [reply] = slack_api.replies(ts)
    assert (reply.channel, [f["id"] for f in reply.files]) == (dm, [done["file"]["id"]])
    assert (slack_api.uploads[0].channel_id, slack_api.uploads[0].content) == (dm, CSV)
    shares = client.files_info(file=done["file"]["id"])["file"]["shares"]
    assert list(shares["private"]) == [dm]
    assert error_of(lambda: client.conversations_join(channel=dm)) == (
        "method_not_supported_for_channel_type"
    )


# -- deleting and editing, as an erasure does ----------------------------------------------------


def test_files_delete_takes_only_the_bots_own_files_and_their_shares_go(slack_api, client):
    parent = client.chat_postMessage(channel="C0001", text="parent")["ts"]
    shared = client.files_upload_v2(
        channel="C0001", thread_ts=parent, content=CSV, filename="results.csv", title="Results"
    )["file"]
    user_file = slack_api.add_file("list.csv", CSV, user="U0042")
    assert error_of(lambda: client.files_delete(file=user_file["id"])) == "cant_delete_file"
    assert error_of(lambda: client.files_delete(file="F0NOTHING")) == "file_not_found"
    assert client.files_delete(file=shared["id"])["ok"]
    assert slack_api.deleted == [shared["id"]] and slack_api.uploads[-1].content == b""
    assert not [m for m in slack_api.messages.values() if m.files]  # its share had no words
    assert error_of(lambda: client.files_delete(file=shared["id"])) == "file_not_found"
    assert error_of(lambda: client.files_info(file=shared["id"])) == "file_not_found"
    url = shared["url_private_download"]
    assert requests.get(url, headers=bearer(slack_api), timeout=5).status_code == 404
    assert user_file["id"] in slack_api.files


def test_chat_update_refuses_what_slack_refuses(slack_api, client):
    ts = client.chat_postMessage(channel="C0001", text="0901234567")["ts"]
    assert error_of(lambda: client.chat_update(channel="C0001", ts=ts, text="")) == "no_text"
    assert error_of(lambda: client.chat_update(channel="C0002", ts=ts, text="x")) == (
        "message_not_found"
    )
    slack_api.missing_channels.add("C0404")
    assert error_of(lambda: client.chat_update(channel="C0404", ts=ts, text="x")) == (
        "channel_not_found"
    )
    assert client.chat_update(channel="C0001", ts=ts, text="•••••••567")["ok"]
    assert slack_api.messages[ts].text == "•••••••567" and slack_api.messages[ts].updates == 1
