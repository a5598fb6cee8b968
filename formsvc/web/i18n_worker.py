"""The worker's words for the case after the receipt: SMS consent, outcome, next steps, answer.

Kept apart from ``i18n.MESSAGES`` (which merges them) so the catalogue of the form stays short;
the same rule holds: each Chinese sentence sits next to its English one. Laws are cited where a
deadline or a right is promised: the worker may show the page to an employer or an officer.
"""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    # the form: SMS updates (consent)
    "sms_updates": ("给我发短信告知办理进度（收到、受理、转交、办结各一条）",
                    "Text me when my case moves (received, taken on, passed on, outcome: one SMS each)"),
    "sms_updates_hint": ("短信只写回执号和查询链接，不写您的姓名、金额和公司。匿名举报不发短信。",
                         "The SMS carries only the receipt number and a link, never your name, the amount or the company. "
                         "Anonymous tips get no SMS."),
    "receipt_sms_yes": ("我们已给您的手机发短信，里面有回执号和查询链接。", "We have texted you the receipt number and the link."),
    "hotlines_html": ("人社服务热线 {t12333} · 法律援助 {t12348}", "Labour hotline {t12333} · Legal aid {t12348}"),
    # status page: outcome and next steps
    "outcome_heading": ("办理结果", "Outcome"),
    # (an outcome's figures and the officer's note are formsvc.case.money.figure_lines: one place)
    "status_place_waiting": ("尚未接手", "not taken on yet"),
    "money_heading": ("钱的情况", "Your money"),
    "money_left_now": ("尚欠您：{amount} 元", "Still owed to you: {amount} yuan"),
    "earlier_heading": ("此前的办理结果", "Earlier outcomes"),
    "next_heading": ("接下来怎么办", "What happens next"),
    "next_by": ("期限：{when}", "By: {when}"),
    # the deadline counts from a later day than the filing (cases.deadlines_restart): said, not left to guess
    "next_by_since_reopened": ("（自重新办理之日起 {days} 天）", " ({days} days from the day your case was reopened)"),
    "next_by_since_returned": ("（自外县退回本县之日起计算）", " (counted from the day the other county gave your case back)"),
    "next_turn": ("不满意或有困难，可以找：", "Not satisfied, or stuck? Turn to:"),
    "next_guide": ("看看这份指南：{title}", "Read the guide: {title}"),
    "next_new": ("{place}的农民工服务专员会接手您的投诉并联系您（首问负责，24 小时内）。",
                 "The migrant-worker officer of {place} will take your case and contact you (within 24 hours: "
                 "whoever receives a complaint first is responsible for it)."),
    "next_new_late": ("已超过 24 小时还没有人接手：请拨打 12333 说明回执号，我们也已上报县劳动保障监察大队。",
                      "More than 24 hours and nobody has taken it: call 12333 with your receipt number; the county "
                      "labour inspectors have been told too."),
    "next_working": ("{place}正在核实情况、找欠薪方解决，有进展会告诉您。", "{place} is checking the facts and "
                     "dealing with whoever owes you; you will be told of any progress."),
    "next_elsewhere": ("{place}负责办理您的投诉。进展请用上面的对方回执号到对方查询；需要帮助请拨打 12333。",
                       "{place} handles your case now. Follow it there with their receipt number above; for help, "
                       "call 12333."),
    "next_closed_elsewhere": ("{place}已办结您的投诉。请在下面告诉我们是否拿到工资；没有拿到的，县劳动保障监察大队会与{place}联系，您也可以申请劳动仲裁，或拨打 12348 申请法律援助。",
                              "{place} has closed your case. Tell us below whether you were paid; if not, the county "
                              "labour inspectors will take it up with {place}, and you can apply for labour "
                              "arbitration, or call 12348 for legal aid."),
    "next_closed_elsewhere_answered": ("{place}已办结您的投诉。如果没有拿到工资，可以申请劳动仲裁，或拨打 12348 申请法律援助。",
                                       "{place} has closed your case. If you were not paid, you can apply for labour "
                                       "arbitration, or call 12348 for legal aid."),
    # a case with another county (the place of work): this county's committee is not the only one
    "next_arbitration_where": ("劳动仲裁由劳动合同履行地（干活的地方）或者用人单位所在地的劳动争议仲裁委员会管辖，两地都申请的由干活地的管辖（《劳动争议调解仲裁法》第二十一条）。"
                               "您干活的地方在{place}：可以向{place}的劳动人事争议仲裁委员会申请；下面列的本县仲裁委，在用人单位设在本县时也可以受理。",
                               "Arbitration is heard by the committee where the work was done or where the employer is; if "
                               "both are applied to, the place of work decides (Labour Dispute Mediation and Arbitration "
                               "Law art. 21). You worked in {place}: you can apply to {place}'s labour dispute "
                               "arbitration committee; this county's committee listed below can also hear it if the "
                               "employer is based here."),
    "next_reopened": ("您反馈未解决，案件已重新交给{place}继续办理。", "You told us it is not settled: the case is back with "
                      "{place}, who must keep working on it."),
    "next_paid_in_full": ("请确认钱已到账。如果没有收到或没有收全，请在下面告诉我们（{days} 天内可重新办理）。",
                          "Check that the money has arrived. If it has not, or not all of it, tell us below (within "
                          "{days} days the case is reopened)."),
    "next_partly_paid": ("剩下的钱可以申请劳动仲裁（免费，《劳动争议调解仲裁法》第五十三条），农民工讨薪申请法律援助不查经济困难（《法律援助法》第四十二条第三项）。也请在下面告诉我们是否满意。",
                         "For the rest you can apply for labour arbitration (free: Labour Dispute Mediation and "
                         "Arbitration Law art. 53); migrant workers claiming wages get legal aid without a means "
                         "test (Legal Aid Law art. 42(3)). Tell us below if you are satisfied."),
    # the same once the worker has answered (the answer form is gone: no "tell us below" any more)
    "next_paid_in_full_answered": ("请确认钱已到账。如果没有收全，可以申请劳动仲裁，或拨打 12348 申请法律援助。",
                                   "Check that the money has arrived. If not all of it has, you can apply for labour "
                                   "arbitration, or call 12348 for legal aid."),
    "next_partly_paid_answered": ("剩下的钱可以申请劳动仲裁（免费，《劳动争议调解仲裁法》第五十三条），农民工讨薪申请法律援助不查经济困难（《法律援助法》第四十二条第三项）。",
                                  "For the rest you can apply for labour arbitration (free: Labour Dispute Mediation "
                                  "and Arbitration Law art. 53); migrant workers claiming wages get legal aid without a "
                                  "means test (Legal Aid Law art. 42(3))."),
    "next_mediation_answered": ("按协议，欠薪方应在 {date} 前支付。到期没有支付，可以申请劳动仲裁，或拨打 12348 申请法律援助。",
                                "Under the agreement they must pay by {date}. If they do not, you can apply for "
                                "labour arbitration, or call 12348 for legal aid."),
    "next_mediation": ("按协议，欠薪方应在 {date} 前支付。到期没有支付，请在下面回复“没有拿到”，或申请劳动仲裁。",
                       "Under the agreement they must pay by {date}. If they do not, answer \"not paid\" below, or "
                       "apply for labour arbitration."),
    "next_arbitration": ("请向劳动仲裁机构申请仲裁：免费（《劳动争议调解仲裁法》第五十三条），自知道权利被侵害起 1 年内申请，离职的自离职起 1 年内（同法第二十七条）。可以先拨 12348 申请法律援助。",
                         "Apply to the labour arbitration committee: it is free (Labour Dispute Mediation and "
                         "Arbitration Law art. 53); apply within 1 year of knowing of the wrong, or of leaving the "
                         "job (same law, art. 27). Legal aid first: call 12348."),
    "next_inspection_case": ("劳动保障监察已立案，一般在 60 个工作日内查处完毕（《劳动保障监察条例》第十七条）。",
                             "Labour inspection has opened a case; it is normally finished within 60 working days "
                             "(Regulations on Labour Security Inspection art. 17)."),
    "next_police": ("案件已移送公安机关（《刑法》第二百七十六条之一，拒不支付劳动报酬罪）。公安机关可能联系您作证；您同时可以申请劳动仲裁追讨工资。",
                    "The case is with the police (Criminal Law art. 276-1, refusing to pay wages). They may ask "
                    "you to give evidence; you can also apply for arbitration to claim the wages."),
    "next_advance_fund": ("这是政府应急周转金先行垫付的部分工资（《保障农民工工资支付条例》第六十三条），剩余工资仍向欠薪方追讨，请保留好证据。",
                          "This is part of your wages advanced from the government's emergency fund (Regulations "
                          "on Ensuring Payment of Wages to Migrant Workers art. 63); the rest is still claimed from "
                          "the employer: keep your evidence."),
    "next_not_substantiated": ("如果您不同意这个结论，可以申请劳动仲裁，或拨打 12348 申请法律援助、12333 咨询。",
                               "If you disagree, you can apply for labour arbitration, call 12348 for legal aid, or "
                               "12333 for advice."),
    "next_not_this_county": ("请联系接收单位办理；需要帮助请拨打 12333。", "Please contact the body it went to; for help, call 12333."),
    "next_answer_by": ("{days} 天内回复“没有拿到”或“不满意”，案件会重新办理（截至 {when}）。",
                       "Answer \"not paid\" or \"not satisfied\" within {days} days and the case is reopened (until {when})."),
    "turn_12333": ("人社服务热线", "Labour hotline"),
    "turn_12348": ("法律援助热线", "Legal aid hotline"),
    "turn_arbitration": ("劳动仲裁", "Labour arbitration"),
    "turn_desk": ("县劳动保障监察大队", "County labour inspectors"),
    # the worker's answer
    "answer_heading": ("您拿到工资了吗？", "Were you paid?"),
    "answer_intro": ("请告诉我们结果，这会用于考核各镇街的办理情况。", "Tell us: your answer is used to rate how each township handles cases."),
    "answer_paid": ("工资拿到了吗", "Did you get the wages"),
    "answer_paid_yes": ("拿到了", "Yes"),
    "answer_paid_partly": ("拿到一部分", "Part of them"),
    "answer_paid_no": ("没有拿到", "No"),
    "answer_rating": ("对办理满意吗", "Are you satisfied with how it was handled"),
    "answer_rating_satisfied": ("满意", "Satisfied"),
    "answer_rating_partly": ("基本满意", "Partly"),
    "answer_rating_not_satisfied": ("不满意", "Not satisfied"),
    "answer_comment": ("想说的话（可不填，500 字以内）", "Anything to add (optional, up to 500 characters)"),
    "answer_submit": ("提交回复", "Send answer"),
    "answer_thanks": ("谢谢，您的回复已收到。", "Thank you, we have your answer."),
    "answer_intro_elsewhere": ("您的回复会记入本案；没有拿到工资或不满意的，县劳动保障监察大队会与{place}联系。",
                               "Your answer is kept with your case; if you were not paid or are not satisfied, the "
                               "county labour inspectors will take it up with {place}."),
    "answer_told_desk": ("此案由{place}办结，本县不能重新打开；县劳动保障监察大队已收到您的回复，会与{place}联系。",
                         "{place} closed this case, so this county cannot reopen it; the county labour inspectors "
                         "have your answer and will take it up with {place}."),
    "answer_reopened": ("案件已重新打开，交回{place}继续办理，县劳动保障监察大队也已收到通知。",
                        "Your case is open again, back with {place}; the county labour inspectors have been told."),
    "answer_given": ("您已回复：{paid}，{rating}。", "Your answer: {paid}, {rating}."),
    "answer_err_paid": ("请选择工资是否拿到。", "Please say whether you were paid."),
    "answer_err_rating": ("请选择是否满意。", "Please say whether you are satisfied."),
    "answer_err_closed": ("这件投诉现在不需要回复（还没有办理结果，或已经回复过）。",
                          "This case needs no answer now (no outcome yet, or you answered already)."),
}
