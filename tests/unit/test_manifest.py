import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from bot.check.slack import BASE_SCOPES, GROUP_SCOPE

ROOT = Path(__file__).resolve().parents[2]


def load_manifest():
    return yaml.safe_load((ROOT / "manifest.yml").read_text())


def test_manifest_validates_against_slacks_schema():
    schema = json.loads((ROOT / "tests/data/manifest.schema.1.0.0.json").read_text())
    jsonschema.validate(load_manifest(), schema)


def test_manifest_points_commands_and_interactivity_at_the_one_endpoint():
    manifest = load_manifest()
    (command,) = manifest["features"]["slash_commands"]
    assert command["command"] == "/viber"
    assert command["url"].endswith("/slack/events")
    assert manifest["settings"]["interactivity"]["request_url"] == command["url"]
    assert {"commands", "chat:write", "chat:write.public"} <= set(
        manifest["oauth_config"]["scopes"]["bot"]
    )


def test_a_broken_manifest_is_caught():
    schema = json.loads((ROOT / "tests/data/manifest.schema.1.0.0.json").read_text())
    broken = load_manifest()
    broken["features"]["slash_commands"][0]["command"] = "viber"  # must start with /
    try:
        jsonschema.validate(broken, schema)
    except jsonschema.ValidationError:
        return
    raise AssertionError("schema accepted a command without a leading slash")


def test_manifest_has_the_shortcut_home_tab_and_events():
    manifest = load_manifest()
    (shortcut,) = manifest["features"]["shortcuts"]
    assert shortcut["type"] == "message" and shortcut["callback_id"] == "send_on_viber"
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["settings"]["event_subscriptions"]["bot_events"] == ["app_home_opened"]


def test_the_socket_mode_variant_validates_too():
    schema = json.loads((ROOT / "tests/data/manifest.schema.1.0.0.json").read_text())
    manifest = load_manifest()
    manifest["settings"]["socket_mode_enabled"] = True
    jsonschema.validate(manifest, schema)


def test_the_workflow_variant_validates_and_differs_only_by_the_step():
    schema = json.loads((ROOT / "tests/data/manifest.schema.1.0.0.json").read_text())
    variant = yaml.safe_load((ROOT / "manifest.workflow.yml").read_text())
    jsonschema.validate(variant, schema)
    step = variant.pop("functions")["send_viber_message"]
    settings = variant["settings"]
    assert (
        settings.pop("org_deploy_enabled") is True and settings.pop("function_runtime") == "remote"
    )
    assert settings["event_subscriptions"]["bot_events"] == ["app_home_opened", "function_executed"]
    settings["event_subscriptions"]["bot_events"] = ["app_home_opened"]
    plain = load_manifest()
    plain["settings"].pop("org_deploy_enabled")
    assert variant == plain
    required = {name for name, spec in step["input_parameters"].items() if spec.get("is_required")}
    assert required == {"sent_by", "channel", "phones"}
    # The person comes from Slack (who ran the workflow), never from what a builder typed.
    types = {spec["type"] for spec in step["input_parameters"].values()}
    assert step["input_parameters"]["sent_by"]["type"] == "slack#/types/user_context"
    assert "slack#/types/user_id" not in types
    assert set(step["output_parameters"]) == {
        "send_id",
        "thread_url",
        "delivered",
        "failed",
        "pending",
        "states",
    }


def test_the_step_reads_exactly_the_inputs_the_manifest_declares():
    import inspect

    from bot.slack import workflow

    variant = yaml.safe_load((ROOT / "manifest.workflow.yml").read_text())
    declared = set(variant["functions"][workflow.STEP_CALLBACK_ID]["input_parameters"])
    source = inspect.getsource(workflow)
    read = set(re.findall(r'_text\(inputs, "([a-z_]+)"\)', source))
    read |= set(re.findall(r'inputs\.get\("([a-z_]+)"\)', source))
    assert read == declared


@pytest.mark.parametrize("name", ["manifest.yml", "manifest.workflow.yml"])
def test_both_manifests_ask_for_exactly_the_scopes_the_code_uses(name):
    """One list (bot.check.slack.BASE_SCOPES, which `viber-bot check` verifies) and the manifests."""
    manifest = yaml.safe_load((ROOT / name).read_text())
    asked = set(manifest["oauth_config"]["scopes"]["bot"])
    assert asked == {*BASE_SCOPES, GROUP_SCOPE}
