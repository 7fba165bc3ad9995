"""The files the demo page offers in a modal's file input, and the bytes it hands out.

A file input offers the repository's example (`examples/campaign.csv`, or a built-in copy of it
when the demo runs from an installed package rather than a checkout) and whatever the person
uploads from their own computer. Each goes into the Slack stand-in with `add_file`, as Slack
stores a file the moment it is picked in a file input, so a submission carries the very file
object the stand-in gave, and the app downloads the bytes from the stand-in with its bot token,
as it would from Slack. `download()` gives any file the stand-in holds (those picked, and those
the app shared in a thread) to the demo server's read-only `/files/<id>`.
"""

from __future__ import annotations

import base64
import binascii
import io
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from sandbox.demo.elements import OfferedFile
from sandbox.demo.ids import with_ids
from sandbox.standins.slack_api import SlackApiStandIn

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
MAX_UPLOAD_BYTES = 2 * 1024 * 1024
# The same rows as examples/campaign.csv (UTF-8 with a BOM, semicolons, as Excel saves it).
BUILT_IN_CAMPAIGN = (
    "\ufeffSố điện thoại;Tên khách;Mã đơn;Ngày giao\n"
    "0901234567;Lan;A123;02/12\n"
    "0912345678;Đức;A124;02/12\n"
    "0987654321;Minh;A125;03/12\n"
    "0934567890;Hạnh;A126;03/12\n"
    "0961234567;Tuấn;A127;04/12\n"
).encode()
_FILETYPES = {"txt": "text", "htm": "html", "jpeg": "jpg"}  # Slack's names for some extensions


@dataclass(frozen=True)
class Example:
    name: str
    content: bytes
    origin: str  # where it was read: "examples/campaign.csv", or "built in"


def examples(folder: Path = EXAMPLES) -> list[Example]:
    """The example campaign file and the example picture: the repository's, else built-in
    copies. A file input offers those of the types it takes."""
    found = []
    for name, built_in in (("campaign.csv", lambda: BUILT_IN_CAMPAIGN), ("order.jpg", order_photo)):
        try:
            found.append(Example(name, (folder / name).read_bytes(), f"examples/{name}"))
        except OSError:
            found.append(Example(name, built_in(), "built in"))
    return found


def order_photo() -> bytes:
    """The example picture: a parcel with its order number, taken sideways (its EXIF says to
    turn it) and carrying a GPS position, as a phone's photo does; the app turns it upright and
    drops both. examples/order.jpg was made by this."""
    picture = Image.new("RGB", (1600, 1200), (236, 229, 214))
    draw = ImageDraw.Draw(picture)
    draw.rectangle((350, 250, 1250, 950), fill=(196, 152, 98), outline=(120, 84, 44), width=12)
    draw.rectangle((760, 250, 840, 950), fill=(222, 200, 150))
    draw.rectangle((420, 700, 740, 900), fill=(255, 255, 255), outline=(40, 40, 40), width=6)
    draw.text((440, 720), "DON A123", fill=(20, 20, 20), font=ImageFont.load_default(size=64))
    exif = Image.Exif()
    exif[0x0112] = 8  # turned a quarter: the phone was held sideways
    exif[0x8825] = {2: (10.0, 46.0, 30.0), 4: (106.0, 41.0, 0.0)}  # a GPS position
    out = io.BytesIO()
    picture.rotate(-90, expand=True).save(out, "JPEG", quality=88, exif=exif.tobytes())
    return out.getvalue()


def filetype_of(name: str) -> str:
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return _FILETYPES.get(extension, extension) if extension else "binary"


class UploadRefused(ValueError):
    """What is wrong with a file the person chose, in the page's words."""


class DemoFiles:
    """The files each modal's file inputs offer, by view id (one lock for them)."""

    def __init__(self, slack: SlackApiStandIn, offered: Sequence[Example]) -> None:
        self.slack = slack
        self.examples = list(offered)
        self._offered: dict[str, dict[str, tuple[dict[str, Any], str]]] = {}
        self._lock = threading.Lock()

    def offered(self, view_id: str, view: Mapping[str, Any], user: str) -> list[OfferedFile]:
        """What the view's file inputs offer. The examples of the types they take go into the
        stand-in the first time a view with a file input is shown, as picked by `user`."""
        inputs = file_inputs(view)
        if not inputs:
            return []
        taken = {str(kind) for element in inputs.values() for kind in element.get("filetypes", ())}
        with self._lock:
            files = self._offered.get(view_id)
            if files is None:
                files = self._offered[view_id] = {}
                for example in self.examples:
                    kind = filetype_of(example.name)
                    if taken and kind not in taken:
                        continue
                    info = self.slack.add_file(example.name, example.content, kind, user)
                    files[info["id"]] = (info, f"the example ({example.origin})")
            return [
                OfferedFile(file_id, str(info["name"]), str(info["filetype"]), note)
                for file_id, (info, note) in files.items()
            ]

    def objects(self, view_id: str) -> dict[str, dict[str, Any]]:
        """The file objects offered to a view, by id, as `add_file` returned them."""
        with self._lock:
            return {key: dict(info) for key, (info, _) in self._offered.get(view_id, {}).items()}

    def upload(
        self, view_id: str, view: Mapping[str, Any], data: Mapping[str, Any], user: str
    ) -> dict[str, Any]:
        """A file from the person's computer (`data`: its `block_id`, `name` and `content` in
        base64) into the stand-in, offered to that view from now on: the page's answer."""
        try:
            info = self._upload(view_id, view, data, user)
        except UploadRefused as refused:
            return {"error": str(refused)}
        return {"file": {"id": info["id"], "name": info["name"]}}

    def _upload(
        self, view_id: str, view: Mapping[str, Any], data: Mapping[str, Any], user: str
    ) -> dict[str, Any]:
        element = file_inputs(view).get(str(data.get("block_id") or ""))
        if element is None:
            raise UploadRefused("this form has no such file input")
        name = str(data.get("name") or "").replace("\\", "/").rsplit("/", 1)[-1].strip()[:200]
        if not name:
            raise UploadRefused("the file has no name")
        kind = filetype_of(name)
        allowed = [str(t) for t in element.get("filetypes") or []]
        if allowed and kind not in allowed:
            raise UploadRefused(f"this form takes only {', '.join('.' + t for t in allowed)} files")
        try:
            content = base64.b64decode(str(data.get("content") or ""), validate=True)
        except (binascii.Error, ValueError):
            raise UploadRefused("the file's content is not base64") from None
        if not content:
            raise UploadRefused("the file is empty")
        if len(content) > MAX_UPLOAD_BYTES:
            raise UploadRefused(f"the demo takes files up to {MAX_UPLOAD_BYTES // 1024} KB")
        with self._lock:
            files = self._offered.setdefault(view_id, {})
            info = self.slack.add_file(name, content, kind, user)
            files[info["id"]] = (info, "uploaded from this computer")
        return info

    def download(self, file_id: str) -> tuple[str, str, bytes] | None:
        """A file the stand-in holds: its name, MIME type and bytes (None: no such file)."""
        with self.slack.lock:
            stored = self.slack.files.get(file_id)
            if stored is None:
                return None
            return str(stored.info["name"]), str(stored.info["mimetype"]), stored.content


def file_inputs(view: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """The view's file_input elements, by their input block's id."""
    return {
        block["block_id"]: block["element"]
        for block in with_ids(view.get("blocks") or [])
        if block.get("type") == "input"
        and isinstance(block.get("element"), Mapping)
        and block["element"].get("type") == "file_input"
    }
