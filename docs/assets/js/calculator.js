/* Wage calculator: answers on the page as the worker types. The same rules as wagesafe/wagecalc.py
   (the form service's answer when JavaScript is off) and the same words as formsvc/web/tools/words.py;
   tests hold both to the same hand-worked cases (tests/calc_cases.py) and the words to each other.
   Money is counted in fen (integers), so 3 x 7400.01 is 22200.03 exactly. Nothing leaves the phone.
   Rules: double wages only for months worked (min(no-contract months, months worked begun) - 1, at most
   11); months owed = ceil(owed / monthly wage), never the months worked; the final-award test per item
   (Interpretation (I) art. 19-20); economic compensation (Labour Contract Law art. 46, 47) with the
   3 x city-average and 12-year caps, and art. 87 beside it. */
(function () {
  var form = document.getElementById("ws-calc");
  var out = document.getElementById("ws-calc-result");
  if (!form || !out) return;
  var en = form.getAttribute("data-lang") === "en";
  var minWage = parseInt(form.getAttribute("data-min-wage"), 10);
  var avgWage = parseInt(form.getAttribute("data-avg-wage"), 10);  // NaN: no cap known
  var avgYear = form.getAttribute("data-avg-year") || "";
  var city = form.getAttribute("data-city") || "";
  var T = en ? {
      owed: "Wages owed", earned: "earned", paid_l: "already paid", yuan: " yuan",
      units_month: "Enter the months worked: more than 0, at most 120. For example 3 or 2.5",
      units_day: "Enter the days worked: more than 0, at most 3660. For example 45",
      rate_month: "Enter the monthly wage in yuan, more than 0. For example 6000",
      rate_day: "Enter the daily wage in yuan, more than 0. For example 300",
      paid: "Enter what you were already paid: 0 or more, in yuan.",
      paid_too_much: "What you were paid is more than you earned: please check.",
      no_contract: "Months without a written contract: a whole number from 0 to 120.",
      start: "Enter the start date as year-month-day, for example 2023-03-01.",
      left: "Enter the leaving date (your last day at work) as year-month-day, not before the start date. For example 2025-10-31",
      comp_wage: "Enter your average monthly wage over the 12 months before leaving, more than 0 (needed when paid by the day). For example 6000",
      fin_in: "{what}, {o} yuan: within 12 × the county's monthly minimum wage ({l} yuan), so the award on this item is normally final for the employer, who cannot take it to court again; you can still sue within 15 days if you disagree (Labour Dispute Mediation and Arbitration Law art. 47, 48).",
      fin_out: "{what}, {o} yuan: more than 12 × the county's monthly minimum wage ({l} yuan), so either side may take the award on this item to court (Labour Dispute Mediation and Arbitration Law art. 47, 50).",
      fin_mixed: "Whether an award is final is decided item by item (Supreme People's Court Interpretation (I) on labour disputes, art. 19); when one award has items within the limit and items above it and a party sues, the whole award is treated as not final (same Interpretation, art. 20).",
      item_owed: "The wages owed",
      item_double: "The double wages",
      item_compensation: "The economic compensation",
      a85: "If the employer still does not pay when the labour authority orders it to, the authority may order it to add 50%–100%: {lo} to {hi} yuan. This is decided by the authority, it is not automatic (Labour Contract Law art. 85).",
      a82: "No written contract: from the second month, double wages for {m} month(s), another {x} yuan, at most 11 months (Labour Contract Law art. 82; Implementing Regulations art. 6, 7). Not owed if the employer proves force majeure, or that you yourself, on purpose or by gross negligence, did not sign (Supreme People's Court Interpretation (II) on labour disputes, art. 7). Where the 1-year limit for arbitration starts differs by place (month by month, or from the end of the months without a contract): apply early to be safe.",
      a82day: "Double wages for a missing contract are estimated by month only: choose “By month” or call 12348.",
      nc_capped: "The months without a contract you entered ({nc}) are more than the months worked: double wages count only the {w} month(s) worked.",
      comp: "Economic compensation (you ended the contract under Labour Contract Law art. 38 because wages were unpaid): {service} of service count as {n} month(s) of wages at {b} yuan a month, {c} yuan in all (Labour Contract Law art. 46, 47: a month's wage per full year; 6 months or more count as a year, less than 6 months as half a month).",
      comp_cap: "Your monthly wage, {w} yuan, is more than 3 × the previous year's average monthly wage published by {city} ({year}: {avg} yuan), so each month counts at 3 × that, {b} yuan, for at most 12 years{cut} (Labour Contract Law art. 47).",
      comp_cut: ": the service beyond 12 years does not count",
      comp_how: "To get it: while wages are unpaid, end the contract at once in writing, giving the unpaid wages as the reason (Labour Contract Law art. 38), and keep a copy; walking off saying \"I quit\" may count as resigning, with no compensation.",
      art87: "If instead the employer dismissed you unlawfully: damages of twice the compensation, {x} yuan (Labour Contract Law art. 87), instead of the compensation, not on top of it.",
      service: "{y} year(s) {m} month(s){more}",
      service_months: "{m} month(s){more}",
      service_more: " and some days",
      carry: "Complain with this amount",
      apply: "Fill in the arbitration application",
      note: "An estimate from what you typed, not a decision. Call 12348 to check."
    }  : {
      owed: "欠你的工资", earned: "应得", paid_l: "已拿到", yuan: "元",
      units_month: "请填干了几个月，大于0，不超过120。例如：3 或 2.5",
      units_day: "请填干了几天，大于0，不超过3660。例如：45",
      rate_month: "请填每月工资（元），大于0。例如：6000",
      rate_day: "请填每天工资（元），大于0。例如：300",
      paid: "已经拿到的钱请填0或正数（元）。",
      paid_too_much: "已经拿到的钱比应得的还多，请再核对一下。",
      no_contract: "没签合同的月数请填0到120之间的整数。",
      start: "入职日期请按“年-月-日”填，例如：2023-03-01。",
      left: "离职日期（最后上班那天）请按“年-月-日”填，不能早于入职日期。例如：2025-10-31",
      comp_wage: "离职前12个月平均每月工资请填大于0的数（元）。按天算工资的要填这一项。例如：6000",
      fin_in: "{what}{o}元不超过本县月最低工资的12倍（{l}元）：这一项的仲裁裁决一般是终局的，单位不能就这一项再去法院起诉；你不服可以在15天内起诉（《劳动争议调解仲裁法》第47条、第48条）。",
      fin_out: "{what}{o}元超过了本县月最低工资的12倍（{l}元）：对这一项的裁决不服，双方都可以去法院起诉（《劳动争议调解仲裁法》第47条、第50条）。",
      fin_mixed: "是否终局，按裁决的每一项分开看（《最高人民法院关于审理劳动争议案件适用法律问题的解释（一）》第19条）；同一份裁决里既有不超过上限的项、又有超过上限的项，一方不服去法院起诉的，整份裁决按非终局处理（同一解释第20条）。",
      item_owed: "欠的工资",
      item_double: "两倍工资",
      item_compensation: "经济补偿",
      a85: "单位被劳动监察责令支付后到期还不付，劳动监察可以责令它另外加付欠款的50%到100%：{lo}元到{hi}元。这由政府部门决定，不是自动就有（《劳动合同法》第85条）。",
      a82: "没签书面合同：从第2个月起可以要{m}个月的两倍工资，另外{x}元，最多11个月（《劳动合同法》第82条，《劳动合同法实施条例》第6条、第7条）。单位能证明是因为不可抗力、或者你本人故意或重大过失才没签的，不用付（最高人民法院劳动争议解释（二）第7条）。申请仲裁的1年从哪天算，各地做法不同（有的按月分别算，有的从没签合同的那段时间结束后算）：尽早申请最稳妥。",
      a82day: "没签合同的两倍工资只按月估算：请选“按月”，或打12348问。",
      nc_capped: "你填的没签合同月数（{nc}个月）比干活的月数多：两倍工资只按干了活的{w}个月算。",
      comp: "经济补偿（因为单位欠薪，你按《劳动合同法》第38条解除劳动合同）：工作了{service}，按{n}个月工资算，每月按{b}元，共{c}元（《劳动合同法》第46条、第47条：每满1年1个月工资；6个月以上不满1年按1年算，不满6个月按半个月算）。",
      comp_cap: "你的月工资{w}元高于{city}公布的上年度职工月平均工资（{year}年度{avg}元）的3倍，所以每月按3倍即{b}元算，最多算12年{cut}（《劳动合同法》第47条）。",
      comp_cut: "：超过12年的部分不算",
      comp_how: "要拿经济补偿：单位欠薪时，马上书面提出解除劳动合同，写明是因为单位拖欠工资（《劳动合同法》第38条），自己留一份；只说“不干了”就走，可能被当作自己辞职，拿不到补偿。",
      art87: "如果是单位违法辞退你：赔偿金是经济补偿的两倍，{x}元（《劳动合同法》第87条）。这是代替经济补偿的，不是另加一份。",
      service: "{y}年{m}个月{more}",
      service_months: "{m}个月{more}",
      service_more: "多",
      carry: "用这个金额去投诉",
      apply: "填仲裁申请书",
      note: "这是按你填的数估算的，不是决定。拿不准打12348。"
    };
  function val(name) { var el = form.elements[name]; return el ? String(el.value || "") : ""; }
  function mode() { var r = form.querySelector('input[name="mode"]:checked'); return r ? r.value : "month"; }
  function halfwidth(s) {
    return String(s).trim().replace(/[\uff10-\uff19\uff0e\uff0d\uff0f]/g, function (c) {
      return String.fromCharCode(c.charCodeAt(0) - 0xfee0);
    });
  }
  // "6,000元" or full-width digits -> hundredths as an integer; null when empty; NaN when not a number.
  function hundredths(text) {
    var s = halfwidth(text).replace(/[,\uff0c\u5143\s]/g, "");
    if (s === "") return null;
    var m = /^(\d{1,12})(?:\.(\d{1,2}))?$/.exec(s);
    if (!m) return NaN;
    return parseInt(m[1], 10) * 100 + parseInt(((m[2] || "") + "00").slice(0, 2), 10);
  }
  // "2023-03-01", "2023/3/1", "2023年3月1日" -> {y, m, d, t}; null when empty; false when not a real date.
  function day(text) {
    var s = halfwidth(text);
    if (s === "") return null;
    var m = /^(\d{4})\s*[-\/.\u5e74]\s*(\d{1,2})\s*[-\/.\u6708]\s*(\d{1,2})\s*\u65e5?$/.exec(s);
    if (!m) return false;
    var y = +m[1], mo = +m[2], d = +m[3];
    var t = new Date(Date.UTC(y, mo - 1, d));
    if (t.getUTCFullYear() !== y || t.getUTCMonth() !== mo - 1 || t.getUTCDate() !== d || y < 1970 || y > 2100) return false;
    return { y: y, m: mo, d: d, t: t.getTime() };
  }
  function fmt(fen) {
    var whole = Math.floor(fen / 100), cents = fen % 100;
    var s = String(whole).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return cents ? s + "." + (cents < 10 ? "0" : "") + cents : s;
  }
  // Whole months from the start to the day after the last day at work, and whether days remain.
  function service(start, left) {
    var e = new Date(left.t + 86400000);
    var ey = e.getUTCFullYear(), em = e.getUTCMonth() + 1, ed = e.getUTCDate();
    var months = (ey - start.y) * 12 + (em - start.m);
    if (ed < start.d) months -= 1;
    return { months: months, extra: ed !== start.d };
  }
  function compensation(md, rate) {
    var s = day(val("start")), l = day(val("left"));
    if (s === null && l === null) return null;
    if (!s) return { error: T.start };
    if (!l || l.t < s.t) return { error: T.left };
    var wage = hundredths(val("comp_wage"));
    if (wage !== null && (isNaN(wage) || wage < 0 || wage > 100000000)) return { error: T.comp_wage };
    if (!wage) {
      if (md !== "month") return { error: T.comp_wage };
      wage = rate;
    }
    var sv = service(s, l);
    var years = Math.floor(sv.months / 12), rest = sv.months % 12;
    var half = 2 * years + (rest >= 6 ? 2 : (rest || sv.extra ? 1 : 0));
    var cap = isNaN(avgWage) ? null : 3 * avgWage * 100;
    var wageCapped = cap !== null && wage > cap;
    var base = wageCapped ? cap : wage;
    var yearsCapped = wageCapped && half > 24;
    if (yearsCapped) half = 24;
    var amount = Math.floor((base * half + 1) / 2);
    return { months: sv.months, extra: sv.extra, half: half, wage: wage, base: base, wageCapped: wageCapped,
             yearsCapped: yearsCapped, amount: amount, art87: 2 * amount };
  }
  function calc() {
    var md = mode();
    var units = hundredths(val("units")), rate = hundredths(val("rate"));
    var paid = hundredths(val("paid")), nc = hundredths(val("no_contract"));
    var maxU = md === "month" ? 12000 : 366000;
    if (units === null || isNaN(units) || units <= 0 || units > maxU) return { error: T["units_" + md] };
    if (rate === null || isNaN(rate) || rate <= 0 || rate > 100000000) return { error: T["rate_" + md] };
    if (paid === null) paid = 0;
    if (isNaN(paid) || paid < 0) return { error: T.paid };
    var earned = Math.floor((units * rate + 50) / 100);  // hundredths x fen / 100, half up
    if (paid > earned) return { error: T.paid_too_much };
    if (nc === null) nc = 0;
    if (isNaN(nc) || nc % 100 !== 0 || nc > 12000) return { error: T.no_contract };
    nc = nc / 100;
    var owed = earned - paid;
    var worked = md === "month" ? Math.floor((units + 99) / 100) : 0;  // months begun
    var dm = md === "month" ? Math.min(Math.max(Math.min(nc, worked) - 1, 0), 11) : 0;
    var comp = compensation(md, rate);
    if (comp && comp.error) return comp;
    var limit = 12 * minWage * 100;
    var items = [];
    [["owed", owed], ["double", rate * dm], ["compensation", comp ? comp.amount : 0]].forEach(function (it) {
      if (it[1] > 0) items.push({ key: it[0], amount: it[1], within: it[1] <= limit });
    });
    return { md: md, nc: nc, earned: earned, paid: paid, owed: owed, lo: Math.floor((owed + 1) / 2), hi: owed,
             dm: dm, dx: rate * dm, capped: md === "month" && nc > worked, worked: worked, limit: limit,
             monthsOwed: md === "month" && owed > 0 ? Math.floor((owed + rate - 1) / rate) : null,
             comp: comp, items: items };
  }
  function fill(s, o) { return s.replace(/\{(\w+)\}/g, function (_, k) { return o[k]; }); }
  function render() {
    var r = calc();
    out.textContent = "";
    if (r.error) {
      if (val("units") || val("rate")) { var p = document.createElement("p"); p.className = "ws-error"; p.textContent = r.error; out.appendChild(p); }
      return;
    }
    var h = document.createElement("p");
    h.className = "ws-calc-owed";
    var strong = document.createElement("strong");
    strong.textContent = T.owed + (en ? ": " : "：") + fmt(r.owed) + T.yuan;
    h.appendChild(strong);
    h.appendChild(document.createTextNode(en ? " (" + T.earned + " " + fmt(r.earned) + ", " + T.paid_l + " " + fmt(r.paid) + ")"
                                             : "（" + T.earned + fmt(r.earned) + "元，" + T.paid_l + fmt(r.paid) + "元）"));
    out.appendChild(h);
    var ul = document.createElement("ul");
    function li(text) { var x = document.createElement("li"); x.textContent = text; ul.appendChild(x); }
    var kinds = {};
    r.items.forEach(function (it) {
      kinds[it.within] = true;
      li(fill(it.within ? T.fin_in : T.fin_out, { what: T["item_" + it.key], o: fmt(it.amount), l: fmt(r.limit) }));
    });
    if (kinds[true] && kinds[false]) li(T.fin_mixed);
    if (r.owed > 0) li(fill(T.a85, { lo: fmt(r.lo), hi: fmt(r.hi) }));
    if (r.capped) li(fill(T.nc_capped, { nc: r.nc, w: r.worked }));
    if (r.md === "month" && r.dm > 0) li(fill(T.a82, { m: r.dm, x: fmt(r.dx) }));
    else if (r.md === "day" && r.nc > 0) li(T.a82day);
    var c = r.comp;
    if (c) {
      var sv = fill(c.months >= 12 ? T.service : T.service_months, { y: Math.floor(c.months / 12), m: c.months % 12, more: c.extra ? T.service_more : "" });
      var n = c.half % 2 ? (c.half - 1) / 2 + ".5" : String(c.half / 2);
      li(fill(T.comp, { service: sv, n: n, b: fmt(c.base), c: fmt(c.amount) }));
      if (c.wageCapped) li(fill(T.comp_cap, { w: fmt(c.wage), city: city, year: avgYear, avg: fmt(avgWage * 100),
                                              b: fmt(c.base), cut: c.yearsCapped ? T.comp_cut : "" }));
      li(T.comp_how);
      li(fill(T.art87, { x: fmt(c.art87) }));
    }
    out.appendChild(ul);
    var q = "amount_yuan=" + Math.floor(r.owed / 100) + (r.monthsOwed ? "&months_owed=" + r.monthsOwed : "") + (en ? "&lang=en" : "");
    var root = en ? "../../" : "../";
    var links = document.createElement("p");
    var a1 = document.createElement("a"); a1.className = "md-button"; a1.href = root + "complain?" + q; a1.textContent = T.carry;
    var a2 = document.createElement("a"); a2.className = "md-button"; a2.href = root + "tools/application?" + q; a2.textContent = T.apply;
    links.appendChild(a1); links.appendChild(document.createTextNode(" ")); links.appendChild(a2);
    out.appendChild(links);
    var note = document.createElement("p"); var sm = document.createElement("small"); sm.textContent = T.note; note.appendChild(sm); out.appendChild(note);
  }
  var timer = null;
  form.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(render, 150); });
  form.addEventListener("change", render);
  form.addEventListener("submit", function (ev) { var r = calc(); if (!r.error) { ev.preventDefault(); render(); out.focus && out.focus(); } });
  render();
})();
