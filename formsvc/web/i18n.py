"""Worker-facing words in Chinese (default) and English, and the choice between them.

One small catalogue instead of gettext: the service speaks two languages, the texts are few,
and a dict keeps each Chinese sentence next to its English one so that they never drift.
Chinese is the default because most workers read it; ``?lang=en`` switches, and a cookie
remembers the choice. The desk may use ``t`` and ``choose_lang`` too.
"""

from __future__ import annotations

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"
COOKIE = "lang"

MESSAGES: dict[str, tuple[str, str]] = {
    # layout
    "site_name": ("薪安通", "WageSafe"),
    "switch_lang": ("English", "中文"),
    "skip": ("跳到正文", "Skip to content"),
    "portal_home": ("返回薪安通首页（维权指南、法律援助）", "WageSafe home (rights guides, legal aid)"),
    "portal_home_short": ("首页", "Home"),
    "footer_hotlines": ("人社服务热线 12333 · 法律援助 12348", "Labour hotline 12333 · Legal aid 12348"),
    "sample_notice": ("示例数据：本县及其中的人员、单位均为虚构。",
                      "Sample data: this county and everyone in it are made up."),
    # form page
    "form_title": ("欠薪投诉", "Report unpaid wages"),
    "form_intro": ("填写下面的内容，提交后会马上交给负责的工作人员。带 * 的必须填写。",
                   "Fill in this form. It goes straight to the officer in charge. Fields marked * are required."),
    "project_heading": ("您投诉的工地", "The site you are reporting"),
    "project_name": ("项目", "Project"),
    "project_address": ("地址", "Address"),
    "project_township": ("所属镇街", "Township"),
    "not_this_site": ("不是这个工地？", "Not this site?"),
    "use_general_form": ("用通用投诉表", "Use the general form"),
    "general_heading": ("工地在哪里", "Where is the site"),
    "township": ("工地所在镇（街道）", "Township of the site"),
    "township_unknown": ("不清楚", "Not sure"),
    "project_code": ("工地告示牌上的项目编号（没有可不填）", "Project code on the site poster (if you have one)"),
    "site_address": ("工地地址或名称", "Site address or name"),
    "site_address_hint": ("例如：龙潭镇迎宾大道80号，某某小区工地", "For example: 80 Yingbin Ave, Longtan, the housing site"),
    "you_heading": ("您的信息", "About you"),
    "name": ("姓名", "Name"),
    "mobile": ("手机号", "Mobile number"),
    "mobile_hint": ("工作人员会用这个号码联系您，查询进度也要用它", "The officer calls you on it; you also need it to check progress"),
    "anonymous": ("匿名举报（不留姓名和手机号）", "Anonymous tip (no name or mobile)"),
    "anonymous_hint": ("匿名举报也会受理，劳动监察可以责令单位给所有工人发工资；但工作人员联系不上您，追回您自己的工资会难得多。",
                       "Anonymous tips are followed up, and the inspectors can order the employer to pay every worker; "
                       "but nobody can call you, so getting your own wages back is much harder."),
    "owed_heading": ("欠薪情况", "What you are owed"),
    "owed_by_kind": ("谁欠您工资", "Who owes you"),
    "owed_company": ("公司（施工单位、劳务公司）", "A company (contractor, labour company)"),
    "owed_team_leader": ("班组长 / 包工头", "A team boss (班组长/包工头)"),
    "owed_unknown": ("不清楚", "Not sure"),
    "owed_by_name": ("对方名称或姓名（知道就填）", "Their name (if you know it)"),
    "trade": ("您的工种", "Your trade"),
    "trade_hint": ("例如：木工、钢筋工、泥瓦工、水电工、普工", "For example: carpenter, rebar worker, mason, electrician"),
    "workers": ("被欠薪的人数（含您自己）", "Number of workers owed (you included)"),
    "amount_yuan": ("欠薪总额（元）", "Total owed (yuan)"),
    "months_owed": ("欠了几个月", "Months unpaid"),
    "description": ("发生了什么", "What happened"),
    "description_hint": ("在哪里干活、干了多久、谁答应什么时候发工资、现在怎么说（2000字以内）",
                         "Where and how long you worked, who promised to pay when, what they say now (up to 2000 characters)"),
    "evidence": ("证据照片或 PDF（可选，最多 {n} 个，每个不超过 {mb} MB）",
                 "Evidence photos or PDFs (optional, up to {n}, each up to {mb} MB)"),
    "evidence_hint": ("考勤表、工资条、欠条、聊天截图、合同都可以。可以直接拍照。",
                      "Timesheets, pay slips, IOUs, chat screenshots, contracts. You can take a photo."),
    "callback_time": ("方便接电话的时间", "When we may call you"),
    "cb_any": ("都可以", "Any time"),
    "cb_morning": ("上午", "Morning"),
    "cb_noon": ("中午", "Midday"),
    "cb_evening": ("晚上", "Evening"),
    "consent": ("我同意把这些信息交给处理本案的工作人员", "I agree to share this with the officers handling it"),
    "consent_hint": ("只有处理本案的工作人员能看到您的信息。", "Only the officers handling your case can see it."),
    "honeypot": ("请不要填写此项", "Leave this empty"),
    "submit": ("提交投诉", "Send my complaint"),
    "required": ("必填", "required"),
    "errors_summary": ("有 {n} 处需要修改，请看下面标红的地方。", "{n} things need fixing: see the marked fields below."),
    "reattach": ("为了安全，已选的文件没有保留，请重新选择。", "For safety, chosen files were not kept: please choose them again."),
    # field errors
    "err_name_required": ("请填写您的姓名；不想留名可以勾选“匿名举报”。",
                          "Please give your name, or tick \"Anonymous tip\"."),
    "err_name_long": ("姓名太长了，请不超过 {n} 个字。", "That name is too long: please use at most {n} characters."),
    "err_mobile_required": ("请填写手机号，工作人员要用它联系您；不想留号可以勾选“匿名举报”。",
                            "Please give your mobile number so the officer can call you, or tick \"Anonymous tip\"."),
    "err_mobile_bad": ("手机号应为 11 位数字，以 1 开头，例如 13812345678。",
                       "A mobile number has 11 digits and starts with 1, for example 13812345678."),
    "err_owed_kind": ("请选择是谁欠您工资；不清楚就选“不清楚”。", "Please choose who owes you; choose \"Not sure\" if you don't know."),
    "err_text_long": ("这里最多 {n} 个字，现在是 {got} 个，请删减一些。",
                      "This can have at most {n} characters; it has {got}. Please shorten it."),
    "err_number_required": ("请填写一个数字。", "Please enter a number."),
    "err_number_bad": ("请只填写数字，例如 {example}。", "Please enter digits only, for example {example}."),
    "err_number_range": ("请填写 {lo} 到 {hi} 之间的整数。", "Please enter a whole number from {lo} to {hi}."),
    "err_consent": ("请勾选同意，工作人员才能处理您的投诉；不想留个人信息可以勾选“匿名举报”。",
                    "Please tick to agree so officers can handle it, or tick \"Anonymous tip\"."),
    "err_choice": ("请从列表中选择一项。", "Please choose one from the list."),
    "err_township": ("请从列表中选择镇（街道）；不清楚就选“不清楚”。", "Please choose a township, or \"Not sure\"."),
    "err_project_code": ("没有找到编号为“{code}”的项目，请对照工地告示牌检查；没有编号可以不填。",
                         "We found no project with the code \"{code}\". Check the site poster, or leave it empty."),
    "err_site_address": ("请写下工地的地址或名称，或者填写项目编号。",
                         "Please give the site's address or name, or its project code."),
    "err_files_many": ("最多只能上传 {n} 个文件，您选了 {got} 个，请去掉一些。",
                       "You can send at most {n} files; you chose {got}. Please remove some."),
    "err_file_big": ("文件“{name}”太大（{size} MB），每个文件不能超过 {mb} MB。可以改用截图或拍照。",
                     "The file \"{name}\" is too large ({size} MB); each file may be at most {mb} MB. Try a screenshot or photo."),
    "err_file_type": ("文件“{name}”不是照片或 PDF，无法接收。请上传照片（JPG、PNG、HEIC、WebP）或 PDF。",
                      "The file \"{name}\" is not a photo or PDF. Please send photos (JPG, PNG, HEIC, WebP) or PDFs."),
    "err_file_pixels": ("图片“{name}”的像素太多（超过 {mp} 百万像素），无法接收。请改用手机拍的普通照片或截图。",
                        "The picture \"{name}\" has too many pixels (over {mp} megapixels). Please send an ordinary "
                        "phone photo or a screenshot."),
    "err_file_broken": ("图片“{name}”已损坏，打不开，无法接收。请重新拍照或截图后再上传。",
                        "The picture \"{name}\" is damaged and cannot be opened. Please take the photo or screenshot "
                        "again and send that."),
    "err_file_empty": ("文件“{name}”是空的，请重新选择。", "The file \"{name}\" is empty: please choose it again."),
    "err_token": ("页面已过期，请再点一次“提交投诉”。", "This page has expired: please press \"Send my complaint\" again."),
    # the form on a phone (static/intake.js): shrinking photos, the draft, sending again
    "js_shrinking": ("正在压缩照片……", "Making the photos smaller…"),
    "js_shrunk": ("照片已压缩：{before} → {after}，上传更快。", "Photos made smaller: {before} → {after}, quicker to send."),
    "js_sending": ("正在发送……请不要关闭页面。", "Sending… please keep this page open."),
    "js_progress": ("正在发送：{pct}%", "Sending: {pct}%"),
    "js_offline": ("网络断了，投诉还没有发出。您填的内容已保存在这部手机上，联网后会自动再发送，不会重复投诉。",
                   "The connection dropped and your complaint has not gone yet. What you typed is kept on this phone "
                   "and will be sent when you are back online, only once."),
    "js_pending": ("上次的投诉还没有发出去，内容已恢复。请点“提交投诉”再发送一次（不会重复）。",
                   "Your last complaint did not go through; it is filled in again. Press \"Send my complaint\" to send it (only once)."),
    "js_restored": ("已恢复您上次在这部手机上填写的内容。", "What you typed on this phone earlier is filled in again."),
    "js_cleared": ("已清除这部手机上保存的内容。", "What was kept on this phone has been deleted."),
    "clear_draft": ("清除本机保存的内容（借用别人的手机时请点）", "Delete what this phone keeps (when using someone else's phone)"),
    "draft_note": ("您填写的内容会暂存在这部手机上，提交成功后自动删除。", "What you type is kept on this phone until the complaint is sent."),
    "held_files": ("已收到的文件（不用重新选择）：", "Files already received (no need to choose them again):"),
    "held_keep": ("保留", "Keep"),
    # receipt
    "receipt_title": ("投诉已收到", "Complaint received"),
    "receipt_number": ("您的回执号", "Your receipt number"),
    "receipt_keep": ("请截图或抄下这个号码，查询进度要用它。", "Take a screenshot or write this number down: you need it to check progress."),
    "receipt_next": ("接下来会怎样", "What happens next"),
    "receipt_next_1": ("您的投诉已交给{place}的农民工服务专员，他们已收到通知。",
                       "Your complaint has gone to the migrant-worker officer of {place}, who has been told."),
    "receipt_next_county": ("您的投诉已交给{place}，他们已收到通知。", "Your complaint has gone to {place}, who has been told."),
    "receipt_next_2": ("工作人员一般会在 1 个工作日内联系您。", "An officer will usually contact you within 1 working day."),
    "receipt_next_anon": ("这是匿名举报，工作人员不会联系您；查询进度只需要回执号。",
                          "This is an anonymous tip: nobody will call you, and you can check progress with the receipt alone."),
    "receipt_urgent": ("涉及人数多或金额大，已同时报告县劳动保障监察大队。",
                       "Because many workers or a large sum are involved, the county labour inspectors were told as well."),
    "receipt_next_3": ("如果 24 小时内没有人联系您，请拨打 12333。", "If nobody contacts you within 24 hours, call 12333."),
    "check_status": ("查询进度", "Check progress"),
    "receipt_gone": ("没有这个回执号。请用回执号和手机号查询进度。",
                     "There is no such receipt. Check progress with your receipt number and mobile."),
    # status
    "status_title": ("查询投诉进度", "Check your complaint"),
    "status_intro": ("输入回执号和投诉时留的手机号。匿名举报只需回执号。",
                     "Enter your receipt number and the mobile you gave. Anonymous tips need only the receipt."),
    "receipt": ("回执号", "Receipt number"),
    "receipt_hint": ("8 位，例如 AB3D-7KQM", "8 characters, for example AB3D-7KQM"),
    "status_submit": ("查询", "Check"),
    "err_receipt_required": ("请填写回执号。", "Please enter your receipt number."),
    "status_not_found": ("没有找到这件投诉。请检查回执号和手机号是否都填对了。",
                         "We could not find that complaint. Please check both the receipt number and the mobile."),
    "status_now": ("当前状态", "Status now"),
    "status_history": ("办理记录", "What has happened"),
    "status_submitted_at": ("提交时间", "Sent on"),
    "status_place": ("负责单位", "In charge"),
    # desk: a case whose personal data the retention period removed (formsvc.duties.retention)
    "redacted_line": ("个人信息已于 {date} 按保存期限删除", "Personal data deleted on {date} under the retention period"),
    "redacted_file": ("文件已按保存期限删除", "File deleted under the retention period"),
    # errors / pages
    "not_found_title": ("没有找到这个工地", "We don't know this site"),
    "not_found_body": ("告示牌上的编号“{code}”我们没有找到。可能是扫码或输入有误。您仍然可以投诉：",
                       "We could not find the code \"{code}\" from the poster. It may have been misread. You can still report:"),
    "page_not_found_title": ("页面不存在", "Page not found"),
    "page_not_found_body": ("没有这个页面。您可以：", "There is no such page. You can:"),
    "go_general_form": ("打开通用投诉表", "Open the general complaint form"),
    "rate_title": ("提交太频繁了", "Too many attempts"),
    "rate_body": ("这一次没有提交成功。{why}请在 {wait} 后再试（按“返回”键回到表单，填写的内容还在）。"
                  "着急可以直接打电话：{desk} {desk_phone}，人社服务热线 12333。",
                  "This time it was NOT sent. {why}Please try again in {wait} (press Back: what you typed is still "
                  "there). If it is urgent, call {desk} on {desk_phone}, or the labour hotline 12333."),
    "rate_title_lookup": ("查询太频繁了", "Too many look-ups"),
    "rate_body_lookup": ("这一次没有查询。{why}请在 {wait} 后再试（按“返回”键回到原页面，填写的内容还在）。"
                         "着急可以直接打电话：{desk} {desk_phone}，人社服务热线 12333。",
                         "This time nothing was looked up. {why}Please try again in {wait} (press Back: what you "
                         "typed is still there). If it is urgent, call {desk} on {desk_phone}, or the labour "
                         "hotline 12333."),
    "rate_why_ip": ("同一网络（例如工地 Wi-Fi）短时间内提交了很多件。", "Many complaints came from this network (e.g. a site's Wi-Fi) in a short time. "),
    "rate_why_device": ("这部手机一小时内已经提交了很多件。", "This phone has sent many complaints within the hour. "),
    "rate_why_status": ("这个网络查询进度的次数太多。", "This network checked progress very many times. "),
    "rate_why_receipt": ("这个网络打开了很多不存在的回执号。", "This network opened many receipt numbers that do not exist. "),
    "rate_why_phone": ("这部手机短时间内查了很多次，回执号或手机号都对不上。",
                       "This phone looked up many receipt numbers or mobiles that did not match. "),
    "rate_why_thisreceipt": ("这个回执号最近被输错手机号太多次，为保护投诉人的信息，暂停查询。",
                             "The wrong mobile was typed for this receipt too many times; to protect the worker, "
                             "look-ups of it are paused. "),
    "rate_why_many": ("这个网络短时间内查询失败的次数远远超过正常。",
                      "Far more failed look-ups than normal came from this network. "),
    "rate_why_nocookie": ("这个浏览器没有保留本站的 Cookie，而同一网络上这样的提交太多了。请允许 Cookie 后重新打开页面。",
                          "This browser keeps no cookie from this site, and too many such posts came from this "
                          "network. Please allow cookies and open the page again. "),
    "rate_why_junk": ("这部手机短时间内提交了很多份已过期或没填好的表单。",
                      "This phone sent many expired or incomplete forms in a short time. "),
    "rate_wait_minutes": ("{n} 分钟", "{n} minutes"),
    "rate_wait_seconds": ("{n} 秒", "{n} seconds"),
    "csrf_title": ("页面已过期", "This page has expired"),
    "csrf_body": ("为了安全，表单页面打开太久或被重复提交后会失效。请返回重新打开表单再提交。",
                  "For safety, a form expires after a long time or a repeat. Please open the form again and send it."),
    "too_large_title": ("提交的内容太大", "What you sent is too large"),
    "too_large_body": ("一次提交的文件总共不能超过 {mb} MB，文字说明不超过 2000 字。请少选几个文件或改用截图，然后重新提交。",
                       "All files together may be at most {mb} MB, and the text at most 2000 characters. "
                       "Please choose fewer files or use screenshots, then send again."),
    "back_to_form": ("返回投诉表", "Back to the form"),
    "bad_request_title": ("无法读取提交的内容", "We could not read what was sent"),
    "bad_request_body": ("浏览器发来的表单内容不完整或格式不对，这次提交没有保存。请返回重新打开表单再提交；着急可以直接拨打 12333。",
                         "The form your browser sent was incomplete or malformed, so nothing was saved. Please go "
                         "back, open the form again and send it; if it is urgent, call 12333."),
    "method_title": ("这个页面不能这样打开", "This page cannot be opened this way"),
    "method_body": ("请用告示牌上的二维码或下面的链接打开投诉表单；着急可以直接拨打 12333。",
                    "Please open the complaint form from the QR code on the site poster or the link below; "
                    "if it is urgent, call 12333."),
}


def t(key: str, lang: str = DEFAULT_LANG, **values) -> str:
    """The message ``key`` in ``lang`` (falling back to Chinese), with ``{placeholders}`` filled."""
    zh, en = MESSAGES[key]
    text = en if lang == "en" and en else zh
    return text.format(**values) if values else text


def normalize_lang(value: str | None) -> str | None:
    """``zh`` or ``en`` from a query value or cookie (``zh-CN``, ``EN`` ...), else ``None``."""
    v = (value or "").strip().lower()[:2]
    return v if v in LANGS else None


def choose_lang(args_lang: str | None, cookie_lang: str | None) -> str:
    """The page language: an explicit ``?lang=`` first, then the remembered cookie, then Chinese."""
    return normalize_lang(args_lang) or normalize_lang(cookie_lang) or DEFAULT_LANG


from .i18n_worker import WORDS as _WORKER_WORDS  # noqa: E402  (the case after the receipt: i14)

MESSAGES.update(_WORKER_WORDS)
