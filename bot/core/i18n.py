"""Every sentence the app says to people in Slack, in English and Vietnamese.

The language is one setting for the whole app (LANGUAGE), chosen once at start-up with `use()`;
`_()` looks a sentence up by key and fills in its {placeholders}.
"""

from __future__ import annotations

LANGUAGES = ("en", "vi")
_language = "en"


def use(language: str) -> None:
    global _language
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}")
    _language = language


def _(key: str, **params: object) -> str:
    english, vietnamese = CATALOG[key]
    template = vietnamese if _language == "vi" else english
    return template.format(**params) if params else template


def plural(count: int, one_key: str, many_key: str) -> str:
    """Vietnamese has no plural forms; English picks by count."""
    return _(one_key if count == 1 else many_key)


CATALOG: dict[str, tuple[str, str]] = {
    # -- validation of what an agent composed ------------------------------------------------
    "shapes": (
        "text only; text + button; image only; or text + image + button",
        "chỉ chữ; chữ + nút; chỉ ảnh; hoặc chữ + ảnh + nút",
    ),
    "err.url_too_long": (
        "The {what} is too long (at most {limit} characters).",
        "{what} quá dài (tối đa {limit} ký tự).",
    ),
    "err.url_https": (
        "The {what} must be an https:// link, e.g. https://example.com/…",
        "{what} phải là liên kết https://, ví dụ https://example.com/…",
    ),
    "err.url_http": (
        "The {what} must be an http:// or https:// link, e.g. https://example.com/…",
        "{what} phải là liên kết http:// hoặc https://, ví dụ https://example.com/…",
    ),
    "err.url_char": (
        'The {what} contains "{char}", which a link cannot contain: remove it, or write it as {encoded}.',
        '{what} có ký tự "{char}", ký tự này không được có trong liên kết: hãy xóa đi, hoặc viết thành {encoded}.',
    ),
    "err.url_space": (
        "The {what} contains a space or a line break: remove it, or write a space as %20.",
        "{what} có khoảng trắng hoặc xuống dòng: hãy xóa đi, hoặc viết khoảng trắng thành %20.",
    ),
    "err.url_control": (
        "The {what} contains an invisible character ({code}): type the link again instead of pasting it.",
        "{what} có ký tự ẩn ({code}): hãy gõ lại liên kết thay vì dán.",
    ),
    "err.url_unreadable": (
        "The {what} is not a well-formed link: check the brackets [ ] and the port number after the address.",
        "{what} không phải là liên kết hợp lệ: hãy kiểm tra dấu ngoặc [ ] và số cổng sau địa chỉ.",
    ),
    "err.url_userinfo": (
        "The {what} has a name and @ before the address, which hides where the link goes: use the plain address, e.g. https://example.com/…",
        "{what} có tên và dấu @ trước địa chỉ, che mất nơi liên kết dẫn tới: hãy dùng địa chỉ gốc, ví dụ https://example.com/…",
    ),
    "what.image_url": ("image URL", "Liên kết ảnh"),
    "what.button_url": ("button link", "Liên kết của nút"),
    "err.text_long": (
        "The text is {count} characters; Viber allows {limit}.",
        "Nội dung dài {count} ký tự; Viber cho phép tối đa {limit}.",
    ),
    "err.label_long": (
        "The button label is {count} characters; Viber allows {limit}.",
        "Tên nút dài {count} ký tự; Viber cho phép tối đa {limit}.",
    ),
    "err.image_type": (
        "Viber shows JPG and PNG images only.",
        "Viber chỉ hiển thị ảnh JPG và PNG.",
    ),
    "err.button_needs_link": (
        "A button needs a link as well as a label.",
        "Nút cần có cả liên kết, không chỉ tên nút.",
    ),
    "err.button_needs_label": (
        "A button needs a label as well as a link.",
        "Nút cần có cả tên nút, không chỉ liên kết.",
    ),
    "err.shape": ("{problem} Viber allows {shapes}.", "{problem} Viber cho phép: {shapes}."),
    "err.button_needs_text": ("A button needs message text.", "Nút phải đi kèm nội dung tin nhắn."),
    "err.empty": ("Write a message or add an image.", "Hãy nhập nội dung hoặc thêm ảnh."),
    "err.image_text_needs_button": (
        "Text with an image needs a button (label and link).",
        "Tin có cả chữ và ảnh thì cần thêm nút (tên nút và liên kết).",
    ),
    "err.image_button_needs_text": (
        "An image with a button needs message text too.",
        "Ảnh kèm nút thì cần có cả nội dung chữ.",
    ),
    "err.not_mobile_one": (
        "{numbers} is not a Vietnamese mobile number (e.g. 0901234567 or +84 901 234 567).",
        "{numbers} không phải số di động Việt Nam (ví dụ 0901234567 hoặc +84 901 234 567).",
    ),
    "err.not_mobile_many": (
        "{numbers} are not Vietnamese mobile numbers (e.g. 0901234567 or +84 901 234 567).",
        "{numbers} không phải số di động Việt Nam (ví dụ 0901234567 hoặc +84 901 234 567).",
    ),
    "err.and_more": (" and {count} more", " và {count} số khác"),
    "err.too_many": (
        "{count} numbers: at most {limit} per send. Split the list.",
        "{count} số: mỗi lần gửi tối đa {limit} số. Hãy chia nhỏ danh sách.",
    ),
    "err.no_numbers": ("Add at least one phone number.", "Hãy nhập ít nhất một số điện thoại."),
    "err.when_garbage": ("Pick a date and a time.", "Hãy chọn ngày và giờ."),
    "err.when_past": (
        "That time has passed. Pick a time in the future, or leave it empty to send now.",
        "Thời điểm này đã qua. Hãy chọn thời điểm sau, hoặc để trống để gửi ngay.",
    ),
    "err.when_far": ("Schedule at most 30 days ahead.", "Chỉ hẹn giờ trước tối đa 30 ngày."),
    "err.brandname": (
        "Pick one of the brandnames offered.",
        "Hãy chọn một trong các brandname có sẵn.",
    ),
    "err.form_expired": (
        "This form has expired: close it and run /viber again.",
        "Biểu mẫu đã hết hạn: hãy đóng lại và gõ /viber lần nữa.",
    ),
    # -- the composer ---------------------------------------------------------------------
    "composer.title": ("Viber message", "Tin nhắn Viber"),
    "composer.submit": ("Send", "Gửi"),
    "composer.close": ("Cancel", "Hủy"),
    "composer.template": ("Start from a template", "Chọn mẫu tin có sẵn"),
    "composer.recipients": ("Phone numbers", "Số điện thoại"),
    "composer.recipients_hint": (
        "Vietnamese mobiles, one per line or separated by commas; at most {limit}.",
        "Số di động Việt Nam, mỗi số một dòng hoặc cách nhau bằng dấu phẩy; tối đa {limit} số.",
    ),
    "composer.text": ("Message", "Nội dung"),
    "composer.image_url": ("Image URL", "Liên kết ảnh"),
    "composer.image_hint": ("https only; JPG or PNG.", "Chỉ https; ảnh JPG hoặc PNG."),
    "composer.button_label": ("Button label", "Tên nút"),
    "composer.button_url": ("Button link", "Liên kết của nút"),
    "composer.send_at": ("Send at (optional)", "Hẹn giờ gửi (không bắt buộc)"),
    "composer.send_at_hint": (
        "Leave empty to send now. Shown in your Slack time zone.",
        "Để trống để gửi ngay. Giờ hiển thị theo múi giờ Slack của bạn.",
    ),
    "composer.brandname": ("Send as", "Gửi với brandname"),
    "composer.test": ("Test", "Thử nghiệm"),
    "composer.test_option": (
        "Test send: eSMS accepts it, no customer receives it",
        "Gửi thử: eSMS nhận tin nhưng không khách hàng nào nhận được",
    ),
    "composer.note": ("Viber allows {shapes}.", "Viber cho phép: {shapes}."),
    "composer.sent_as": (" Sent as *{brandname}*.", " Gửi với brandname *{brandname}*."),
    "composer.test_mode": (
        " *Test mode:* no customer receives it.",
        " *Chế độ thử:* không khách hàng nào nhận được.",
    ),
    # -- the thread ------------------------------------------------------------------------
    "test_note": (
        "🧪 *Test send* (eSMS sandbox): no customer receives this message.",
        "🧪 *Gửi thử* (sandbox eSMS): không khách hàng nào nhận được tin này.",
    ),
    "date_at": ("at", "lúc"),
    "state.delivered": ("delivered", "đã nhận"),
    "state.failed": ("failed", "thất bại"),
    "state.rejected": ("rejected by eSMS", "bị eSMS từ chối"),
    "state.refused": ("refused by eSMS", "eSMS không nhận"),
    "state.cancelled": ("cancelled", "đã hủy"),
    "state.unavailable": ("status no longer available", "không còn tra được trạng thái"),
    "state.unconfirmed": ("not confirmed by eSMS", "eSMS chưa xác nhận"),
    "state.esms_review": ("waiting for eSMS's approval", "chờ eSMS duyệt"),
    "state.sent": ("sent, awaiting the operator's report", "đã gửi, chờ nhà mạng báo"),
    "state.sending": ("sending", "đang gửi"),
    "state.waiting": ("waiting to send", "chờ gửi"),
    "state.other": ("in progress at eSMS", "eSMS đang xử lý"),
    "state.accepted": ("accepted by eSMS", "eSMS đã nhận"),
    "state.queued": ("queued", "trong hàng chờ"),
    "number": ("number", "số"),
    "numbers": ("numbers", "số"),
    "status.not_sent": ("🚫 Not sent: {reason}", "🚫 Chưa gửi: {reason}"),
    "status.slack_refused": ("Slack refused the message", "Slack từ chối tin nhắn"),
    "status.awaiting": (
        "🕒 Awaiting approval{where} from {approvers} (expires {expiry})",
        "🕒 Chờ {approvers} duyệt{where} (hết hạn {expiry})",
    ),
    "status.awaiting_where": (" in <#{channel}>", " tại <#{channel}>"),
    "status.cancelled": (
        "🚫 Cancelled by <@{user}> {when}: nothing was sent",
        "🚫 <@{user}> đã hủy {when}: không tin nào được gửi",
    ),
    "status.scheduled": ("🗓️ Scheduled for {when}", "🗓️ Hẹn gửi {when}"),
    "status.approved_sending": (
        "⏳ Approved, sending to {count} {noun}",
        "⏳ Đã duyệt, đang gửi tới {count} {noun}",
    ),
    "status.queued": ("⏳ Queued ({count} {noun})", "⏳ Trong hàng chờ ({count} {noun})"),
    "decision.expired": ("expired unapproved {when}", "hết hạn mà chưa được duyệt {when}"),
    "decision.approved": ("approved by {who} {when}", "đã được {who} duyệt {when}"),
    "decision.rejected": ("rejected by {who} {when}", "đã bị {who} từ chối {when}"),
    "decision.someone": ("another approver", "một người duyệt khác"),
    "preview.image": ("🖼️ Image: <{url}>", "🖼️ Ảnh: <{url}>"),
    "preview.button": ("🔘 Button *{label}* → <{url}>", "🔘 Nút *{label}* → <{url}>"),
    "parent.headline": (
        "*Viber message* from <@{user}> to {phones}",
        "*Tin nhắn Viber* của <@{user}> gửi tới {phones}",
    ),
    "parent.status": ("*Status:* {status}", "*Trạng thái:* {status}"),
    "parent.footer": (
        "Brandname {brandname} · send {send_id}",
        "Brandname {brandname} · mã gửi {send_id}",
    ),
    "parent.fallback": (
        "Viber message from <@{user}> to {count} number(s): {status}",
        "Tin nhắn Viber của <@{user}> tới {count} số: {status}",
    ),
    "button.approve": ("Approve", "Duyệt"),
    "button.reject": ("Reject", "Từ chối"),
    "button.cancel_send": ("Cancel send", "Hủy lượt gửi"),
    "confirm.approve_title": ("Send this Viber message?", "Gửi tin nhắn Viber này?"),
    "confirm.approve_text": (
        "It goes to {count} {noun} right away.",
        "Tin sẽ được gửi ngay tới {count} {noun}.",
    ),
    "confirm.approve_yes": ("Approve and send", "Duyệt và gửi"),
    "confirm.approve_no": ("Not yet", "Chưa"),
    "confirm.cancel_title": ("Cancel this send?", "Hủy lượt gửi này?"),
    "confirm.cancel_text": ("Nobody will receive it.", "Sẽ không ai nhận được tin này."),
    "confirm.cancel_yes": ("Cancel send", "Hủy lượt gửi"),
    "confirm.cancel_no": ("Keep it", "Giữ lại"),
    "approval.headline": (
        "*Approval needed:* <@{user}> wants to send a Viber message to {phones} (thread in <#{channel}>)",
        "*Cần duyệt:* <@{user}> muốn gửi tin nhắn Viber tới {phones} (luồng tại <#{channel}>)",
    ),
    "approval.ask": (
        "{approvers}: approve or reject before {expiry}.",
        "{approvers}: vui lòng duyệt hoặc từ chối trước {expiry}.",
    ),
    "approval.decision": ("*Decision:* {decision}", "*Quyết định:* {decision}"),
    "approval.fallback": (
        "Approval needed for a Viber message from <@{user}>",
        "Cần duyệt tin nhắn Viber của <@{user}>",
    ),
    "reply.approved": (
        "✅ Approved by <@{who}> {when}: sending now.",
        "✅ <@{who}> đã duyệt {when}: đang gửi.",
    ),
    "reply.rejected": (
        "🚫 <@{user}>, your message was rejected by <@{who}> {when}.{reason} Nothing was sent.",
        "🚫 <@{user}> ơi, tin nhắn của bạn đã bị <@{who}> từ chối {when}.{reason} Không tin nào được gửi.",
    ),
    "reply.reason": (" Reason: {reason}", " Lý do: {reason}"),
    "reply.no_reason": (" No reason given.", " Không có lý do."),
    "reply.expired": (
        "⌛ <@{user}>, nobody approved this message in time; the request expired {when}. Nothing was sent.",
        "⌛ <@{user}> ơi, chưa ai duyệt tin này kịp; yêu cầu đã hết hạn {when}. Không tin nào được gửi.",
    ),
    "already_decided": ("This request was already {decision}.", "Yêu cầu này {decision}."),
    "reject.title": ("Reject message", "Từ chối tin nhắn"),
    "reject.submit": ("Reject", "Từ chối"),
    "reject.reason": ("Reason (shown in the thread)", "Lý do (hiện trong luồng)"),
    "reject.placeholder": ("What should change?", "Cần sửa gì?"),
    "outcome.delivered": ("✅ {phone}: delivered", "✅ {phone}: đã nhận"),
    "outcome.failed": (
        "❌ {phone}: not delivered (eSMS reports the delivery failed)",
        "❌ {phone}: không nhận được (eSMS báo gửi thất bại)",
    ),
    "outcome.rejected": ("⛔ {phone}: rejected by eSMS", "⛔ {phone}: bị eSMS từ chối"),
    "outcome.refused": (
        "⛔ {phone}: eSMS refused the message: {reason}",
        "⛔ {phone}: eSMS không nhận tin: {reason}",
    ),
    "outcome.esms_review": (
        "🕒 {phone}: waiting for eSMS's own approval before sending",
        "🕒 {phone}: đang chờ eSMS duyệt trước khi gửi",
    ),
    "outcome.unavailable": (
        "❔ {phone}: status no longer available (eSMS keeps statuses for 7 days)",
        "❔ {phone}: không còn tra được trạng thái (eSMS chỉ lưu 7 ngày)",
    ),
    "outcome.unconfirmed": (
        "⚠️ {phone}: not confirmed: {detail}. The message may not have been sent; a later report from eSMS will update this thread.",
        "⚠️ {phone}: chưa xác nhận: {detail}. Có thể tin chưa được gửi; báo cáo sau đó của eSMS sẽ cập nhật luồng này.",
    ),
    "outcome.no_answer": ("eSMS did not answer", "eSMS không phản hồi"),
    "outcome.many": ("{count} delivery updates", "{count} cập nhật trạng thái"),
    "note.out_of_date": (
        "⚠️ I could not update this thread after {attempts} attempts ({reason}), so it may be out of date. Latest status: {status}",
        "⚠️ Mình chưa cập nhật được luồng này sau {attempts} lần thử ({reason}), nên thông tin có thể đã cũ. Trạng thái mới nhất: {status}",
    ),
    "agent.not_member": (
        "I can't post in <#{channel}> because I'm not a member of it, so your Viber message to {numbers} was *not sent*. Type `/invite {bot}` in that channel (private channels and DMs need this), then send again.",
        "Mình chưa đăng được vào <#{channel}> vì chưa là thành viên kênh, nên tin Viber tới {numbers} *chưa được gửi*. Hãy gõ `/invite {bot}` trong kênh đó (kênh riêng và tin nhắn trực tiếp cần bước này), rồi gửi lại.",
    ),
    "agent.slack_refused": (
        "Your Viber message to {numbers} was *not sent*: Slack refused to post its thread in <#{channel}> ({code}).",
        "Tin Viber tới {numbers} *chưa được gửi*: Slack không cho đăng luồng trong <#{channel}> ({code}).",
    ),
    "agent.gave_up": (
        "Your Viber message was *not sent*: {note}. Try again later.",
        "Tin Viber của bạn *chưa được gửi*: {note}. Hãy thử lại sau.",
    ),
    "agent.slack_down": (
        "Slack did not take the message ({reason})",
        "Slack không nhận tin ({reason})",
    ),
    "note.approval_not_posted": (
        "The approval request could not be posted in <#{channel}> ({reason}): approvers decide here instead.",
        "Không đăng được yêu cầu duyệt vào <#{channel}> ({reason}): người duyệt quyết định tại đây.",
    ),
    "agent.the_app": ("the app", "ứng dụng"),
    "detail.attempts": ("{reason} ({attempts} attempts)", "{reason} ({attempts} lần thử)"),
    "note.no_access": (
        "the app cannot post in this channel ({code})",
        "ứng dụng không đăng được vào kênh này ({code})",
    ),
    "note.slack_refused": ("Slack refused the message ({code})", "Slack từ chối tin nhắn ({code})"),
    # -- commands and look-ups --------------------------------------------------------------
    "help": (
        "*Send a Viber message with `/viber`*\n"
        "• `/viber` opens the composer: numbers, text, an image and a button.\n"
        "• `/viber 0901234567 Xin chào!` sends a text message straight away. Separate several numbers with commas, no spaces: `/viber 0901234567,0912345678 Xin chào!`\n"
        "• `/viber status 0901234567` (or an SMSID) shows the latest sends to that number.\n"
        "• `/viber history [N]` lists the last N sends from this channel; `/viber balance` the eSMS balance.\n"
        "• `/viber help` shows this help.\n"
        "Numbers are Vietnamese mobiles (0901234567, +84 901 234 567 …), at most {limit} per send. Viber allows {shapes}. Every send gets a thread in this channel with its delivery status.",
        "*Gửi tin nhắn Viber bằng `/viber`*\n"
        "• `/viber` mở khung soạn tin: số điện thoại, nội dung, ảnh và nút.\n"
        "• `/viber 0901234567 Xin chào!` gửi ngay một tin chữ. Nhiều số thì cách nhau bằng dấu phẩy, không có khoảng trắng: `/viber 0901234567,0912345678 Xin chào!`\n"
        "• `/viber status 0901234567` (hoặc một SMSID) xem các lượt gửi gần nhất tới số đó.\n"
        "• `/viber history [N]` liệt kê N lượt gửi gần nhất từ kênh này; `/viber balance` xem số dư eSMS.\n"
        "• `/viber help` xem hướng dẫn này.\n"
        "Số điện thoại là số di động Việt Nam (0901234567, +84 901 234 567 …), tối đa {limit} số mỗi lần gửi. Viber cho phép: {shapes}. Mỗi lượt gửi có một luồng trong kênh này để theo dõi trạng thái.",
    ),
    "cmd.unknown": ("I don't know `{word}`.\n", "Mình chưa hiểu `{word}`.\n"),
    "cmd.no_composer": (
        "Sorry, Slack did not open the composer ({code}). Run `/viber` again.",
        "Xin lỗi, Slack chưa mở được khung soạn tin ({code}). Hãy gõ `/viber` lần nữa.",
    ),
    "cmd.no_text": (
        "Add the message after the numbers: `/viber 0901234567 Xin chào!`",
        "Hãy nhập nội dung sau số điện thoại: `/viber 0901234567 Xin chào!`",
    ),
    "cmd.nothing_sent": (
        "Nothing was sent.\n{problems}\nSee `/viber help`.",
        "Chưa gửi tin nào.\n{problems}\nXem `/viber help`.",
    ),
    "field.recipients": ("Numbers", "Số điện thoại"),
    "field.text": ("Text", "Nội dung"),
    "field.image_url": ("Image", "Ảnh"),
    "field.button_label": ("Button", "Nút"),
    "field.button_url": ("Button link", "Liên kết của nút"),
    "cmd.sending": (
        "Sending to {count} {noun}; follow it in the thread here.",
        "Đang gửi tới {count} {noun}; theo dõi trong luồng ở kênh này.",
    ),
    "cmd.sending_test": (
        "Test send to {count} {noun} (eSMS sandbox: no customer receives it); follow it in the thread here.",
        "Gửi thử tới {count} {noun} (sandbox eSMS: không khách hàng nào nhận được); theo dõi trong luồng ở kênh này.",
    ),
    "cmd.awaiting": (
        "Your message to {count} {noun} waits for an approver; follow it in the thread here.",
        "Tin của bạn tới {count} {noun} đang chờ duyệt; theo dõi trong luồng ở kênh này.",
    ),
    "lookup.history_title": (
        "Last {count} Viber sends from this channel",
        "{count} lượt gửi Viber gần nhất từ kênh này",
    ),
    "lookup.history_empty": (
        "No Viber message was sent from this channel yet.",
        "Kênh này chưa gửi tin Viber nào.",
    ),
    "lookup.which": (
        "Which number or SMSID? `/viber status 0901234567`",
        "Số điện thoại hay SMSID nào? `/viber status 0901234567`",
    ),
    "lookup.phone_title": ("Latest sends to {phone}", "Các lượt gửi gần nhất tới {phone}"),
    "lookup.phone_empty": ("Nothing was sent to {phone} yet.", "Chưa có tin nào gửi tới {phone}."),
    "lookup.smsid_title": ("Send with SMSID {sms_id}", "Lượt gửi có SMSID {sms_id}"),
    "lookup.smsid_empty": (
        "No send has that SMSID, and it is not a Vietnamese mobile number.",
        "Không có lượt gửi nào có SMSID này, và đây cũng không phải số di động Việt Nam.",
    ),
    "lookup.thread": ("thread", "luồng"),
    "lookup.no_thread": ("no thread", "không có luồng"),
    "lookup.send_elsewhere": ("send in another channel", "lượt gửi ở kênh khác"),
    "lookup.sends_elsewhere": ("sends in other channels", "lượt gửi ở các kênh khác"),
    "lookup.elsewhere_more": (
        "…and {count} more {noun}, not shown here.",
        "…và {count} {noun} nữa, không hiển thị ở đây.",
    ),
    "lookup.elsewhere_only": (
        "{count} {noun}, not shown here: only whoever sent them, or someone asking in that channel, sees them.",
        "Có {count} {noun}, không hiển thị ở đây: chỉ người đã gửi, hoặc người hỏi trong kênh đó, mới xem được.",
    ),
    "balance.asking": ("Asking eSMS for the balance…", "Đang hỏi eSMS số dư…"),
    "balance.failed": ("Couldn't read the balance: {error}", "Chưa xem được số dư: {error}"),
    "balance.value": ("eSMS balance: *{amount}*", "Số dư eSMS: *{amount}*"),
    "balance.low": (
        "\n⚠️ Below the warning level of {amount}: top up soon so sends don't fail.",
        "\n⚠️ Thấp hơn mức cảnh báo {amount}: hãy nạp thêm sớm để tin không bị lỗi.",
    ),
    "home.title": ("Your latest Viber messages", "Tin nhắn Viber gần đây của bạn"),
    "home.empty": ("You have not sent a Viber message yet.", "Bạn chưa gửi tin nhắn Viber nào."),
    # -- approvals, cancelling, access -------------------------------------------------------
    "approve.gone": ("This request no longer exists.", "Yêu cầu này không còn nữa."),
    "approve.own": (
        "You asked for this send, so another approver must decide (four eyes).",
        "Bạn là người tạo yêu cầu này, nên cần một người duyệt khác quyết định (nguyên tắc bốn mắt).",
    ),
    "approve.unknown": (
        "I couldn't check the approver list with Slack just now. Try again in a minute.",
        "Mình chưa kiểm tra được danh sách người duyệt với Slack. Hãy thử lại sau một phút.",
    ),
    "approve.not_approver": (
        "Only the configured approvers can approve or reject Viber messages.",
        "Chỉ những người được chỉ định mới được duyệt hoặc từ chối tin nhắn Viber.",
    ),
    "approve.no_form": (
        "Slack did not open the reject form ({code}). Try again.",
        "Slack chưa mở được biểu mẫu từ chối ({code}). Hãy thử lại.",
    ),
    "cancel.not_allowed": (
        "Only <@{user}>, who scheduled it, or an approver can cancel this send.",
        "Chỉ <@{user}> (người hẹn giờ) hoặc người duyệt mới hủy được lượt gửi này.",
    ),
    "cancel.too_late": (
        "Too late to cancel: this send has already gone to eSMS, or was cancelled.",
        "Không hủy được nữa: lượt gửi đã chuyển cho eSMS hoặc đã bị hủy trước đó.",
    ),
    "cancel.gone": ("This send no longer exists.", "Lượt gửi này không còn nữa."),
    "access.workspace": (
        "This app is not set up for this workspace.",
        "Ứng dụng chưa được thiết lập cho workspace này.",
    ),
    "access.user": (
        "You are not on the list of people who may send Viber messages. Ask your Slack admin.",
        "Bạn chưa có trong danh sách được gửi tin nhắn Viber. Hãy liên hệ quản trị Slack.",
    ),
    "access.channel": (
        "Viber messages can't be sent from this channel. Use one of the channels set up for it.",
        "Không gửi tin Viber từ kênh này được. Hãy dùng một kênh đã được thiết lập.",
    ),
    "listener.failed": (
        "Sorry, something went wrong on our side and nothing was changed. Try again; if it keeps happening, give your admin this reference: `{reference}`.",
        "Xin lỗi, hệ thống đang gặp sự cố và chưa có gì thay đổi. Hãy thử lại; nếu vẫn lỗi, hãy gửi mã tham chiếu này cho quản trị viên: `{reference}`.",
    ),
    "listener.failed_title": ("Something went wrong", "Đã có lỗi xảy ra"),
    # -- templates ----------------------------------------------------------------------------
    "tpl.usage": (
        "*Templates*\n"
        "• `/viber template list` shows them (everyone).\n"
        "• `/viber template add NAME | text | image URL | button label | button URL` adds or replaces one; leave a field empty to skip it: `/viber template add hello | Xin chào! | | |`.\n"
        "• `/viber template remove NAME` deletes one.\n"
        "Adding and removing is for the people in TEMPLATE_ADMINS.",
        "*Mẫu tin*\n"
        "• `/viber template list` xem danh sách (ai cũng xem được).\n"
        "• `/viber template add TÊN | nội dung | liên kết ảnh | tên nút | liên kết nút` thêm hoặc thay một mẫu; để trống mục nào thì bỏ qua mục đó: `/viber template add chao | Xin chào! | | |`.\n"
        "• `/viber template remove TÊN` xóa một mẫu.\n"
        "Chỉ những người trong TEMPLATE_ADMINS được thêm và xóa mẫu.",
    ),
    "tpl.none": ("No templates yet. ", "Chưa có mẫu tin nào. "),
    "tpl.title": ("*Templates*", "*Mẫu tin*"),
    "tpl.no_admins": (
        "Nobody may manage templates yet: the admin sets TEMPLATE_ADMINS first.",
        "Chưa ai được quản lý mẫu tin: quản trị viên cần thiết lập TEMPLATE_ADMINS trước.",
    ),
    "tpl.not_admin": (
        "Only template admins may add or remove templates.",
        "Chỉ người quản lý mẫu tin mới được thêm hoặc xóa mẫu.",
    ),
    "tpl.bad_name": (
        "Give the template a short name (letters, digits, - _ .), e.g. `giam-gia`.",
        "Hãy đặt tên ngắn cho mẫu (chữ, số, - _ .), ví dụ `giam-gia`.",
    ),
    "tpl.removed": ("Template *{name}* removed.", "Đã xóa mẫu *{name}*."),
    "tpl.missing": ("There is no template named *{name}*.", "Không có mẫu nào tên *{name}*."),
    "tpl.not_saved": ("Template not saved.\n{problems}", "Chưa lưu mẫu.\n{problems}"),
    "tpl.saved": (
        "Template *{name}* saved. Agents find it at the top of the composer.",
        "Đã lưu mẫu *{name}*. Nhân viên sẽ thấy mẫu ở đầu khung soạn tin.",
    ),
    # -- eSMS result codes ----------------------------------------------------------------------
    "code.99": (
        "the phone number is blocked or eSMS hit an unknown error",
        "số điện thoại bị chặn hoặc eSMS gặp lỗi không xác định",
    ),
    "code.101": ("wrong eSMS ApiKey or SecretKey", "sai ApiKey hoặc SecretKey của eSMS"),
    "code.102": ("the eSMS account has no price list", "tài khoản eSMS chưa có bảng giá"),
    "code.103": ("insufficient balance", "không đủ số dư"),
    "code.104": (
        "the brandname does not exist or is inactive",
        "brandname không tồn tại hoặc chưa kích hoạt",
    ),
    "code.105": ("eSMS has no message with that ID (yet)", "eSMS (chưa) có tin nào với mã này"),
    "code.108": ("the phone number has a wrong format", "số điện thoại sai định dạng"),
    "code.118": ("the message type is not supported", "loại tin không được hỗ trợ"),
    "code.124": (
        "a send with this request ID was already accepted",
        "yêu cầu gửi với mã này đã được nhận trước đó",
    ),
    "code.140": (
        "this server's IP address is not whitelisted at eSMS",
        "địa chỉ IP của máy chủ chưa được eSMS cho phép",
    ),
    "code.143": (
        "the eSMS account is not activated or is locked",
        "tài khoản eSMS chưa kích hoạt hoặc đã bị khóa",
    ),
    "code.107": (
        "an advertising request needs at least 30 numbers",
        "tin quảng cáo cần ít nhất 30 số mỗi lần gửi",
    ),
    "code.120": (
        "too many numbers in one advertising request",
        "quá nhiều số trong một lần gửi quảng cáo",
    ),
    "code.146": (
        "the text does not match a template registered for this customer-care brandname",
        "nội dung không khớp mẫu đã đăng ký cho brandname chăm sóc khách hàng",
    ),
    "code.160": (
        "too many requests per second at eSMS; the app slows down and retries",
        "gửi quá nhiều yêu cầu mỗi giây tới eSMS; ứng dụng sẽ gửi chậm lại và thử lại",
    ),
    "code.177": (
        "the recipient's network is not registered for this brandname",
        "nhà mạng của người nhận chưa được đăng ký cho brandname này",
    ),
    "code.300": ("the message type is missing", "thiếu loại tin"),
    "code.unknown": ("unknown eSMS result ({label})", "kết quả eSMS không xác định ({label})"),
    "code.label": ("code {code}", "mã {code}"),
}
