/* Wage calculator: answers on the page as the worker types. The same rules as wagesafe/wagecalc.py
   (the form service's answer when JavaScript is off); tests hold both to the same hand-worked cases.
   Money is counted in fen (integers), so 3 x 7400.01 is 22200.03 exactly. Nothing leaves the phone. */
(function () {
  var form = document.getElementById("ws-calc");
  var out = document.getElementById("ws-calc-result");
  if (!form || !out) return;
  var en = form.getAttribute("data-lang") === "en";
  var minWage = parseInt(form.getAttribute("data-min-wage"), 10);
  var T = en ? {
    units_month: "Enter the months worked: more than 0, at most 120. For example 3 or 2.5",
    units_day: "Enter the days worked: more than 0, at most 3660. For example 45",
    rate_month: "Enter the monthly wage in yuan, more than 0. For example 6000",
    rate_day: "Enter the daily wage in yuan, more than 0. For example 300",
    paid: "Enter what you were already paid: 0 or more, in yuan.",
    paid_too_much: "What you were paid is more than you earned: please check.",
    no_contract: "Months without a written contract: a whole number from 0 to 120.",
    owed: "Wages owed", earned: "earned", paid_l: "already paid",
    a85: "If the employer still does not pay when the labour authority orders it to, the authority may order it to add 50%–100%: {lo} to {hi} yuan. This is decided by the authority, it is not automatic (Labour Contract Law art. 85).",
    a82: "No written contract: double wages for {m} month(s), another {x} yuan, at most 11 months; claim it in arbitration within 1 year (Labour Contract Law art. 82; Implementing Regulations art. 6–7).",
    a82day: "Double wages for a missing contract are estimated by month only: choose \u201cBy month\u201d or call 12348.",
    in47: "{o} yuan is within 12 \u00d7 the county's monthly minimum wage ({l} yuan): the arbitration award is normally final for the employer; you can still sue within 15 days if you disagree (Labour Dispute Mediation and Arbitration Law art. 47, 48).",
    out47: "{o} yuan is more than 12 \u00d7 the county's monthly minimum wage ({l} yuan): either side may take the award to court (Labour Dispute Mediation and Arbitration Law art. 47, 50).",
    yuan: " yuan", carry: "Complain with this amount", apply: "Fill in the arbitration application",
    note: "An estimate from what you typed, not a decision. Call 12348 to check."
  } : {
    units_month: "请填干了几个月，大于0，不超过120。例如：3 或 2.5",
    units_day: "请填干了几天，大于0，不超过3660。例如：45",
    rate_month: "请填每月工资（元），大于0。例如：6000",
    rate_day: "请填每天工资（元），大于0。例如：300",
    paid: "已经拿到的钱请填0或正数（元）。",
    paid_too_much: "已经拿到的钱比应得的还多，请再核对一下。",
    no_contract: "没签合同的月数请填0到120之间的整数。",
    owed: "欠你的工资", earned: "应得", paid_l: "已拿到",
    a85: "单位被劳动监察责令支付后到期还不付，劳动监察可以责令它另外加付欠款的50%到100%：{lo}元到{hi}元。这由政府部门决定，不是自动就有（《劳动合同法》第85条）。",
    a82: "没签书面合同：可以要{m}个月的两倍工资，另外{x}元，最多11个月；要在1年内申请仲裁（《劳动合同法》第82条，《劳动合同法实施条例》第6条、第7条）。",
    a82day: "没签合同的两倍工资只按月估算：请选“按月”，或打12348问。",
    in47: "{o}元不超过本县月最低工资的12倍（{l}元）：仲裁裁决一般对单位是终局的，单位不能再去法院拖；你不服还可以在15天内起诉（《劳动争议调解仲裁法》第47条、第48条）。",
    out47: "{o}元超过了本县月最低工资的12倍（{l}元）：对裁决不服，双方都可以去法院起诉（《劳动争议调解仲裁法》第47条、第50条）。",
    yuan: "元", carry: "用这个金额去投诉", apply: "填仲裁申请书",
    note: "这是按你填的数估算的，不是决定。拿不准打12348。"
  };
  function val(name) { var el = form.elements[name]; return el ? String(el.value || "") : ""; }
  function mode() { var r = form.querySelector('input[name="mode"]:checked'); return r ? r.value : "month"; }
  // "6,000元" or full-width digits -> hundredths as an integer; null when empty; NaN when not a number.
  function hundredths(text) {
    var s = String(text).trim().replace(/[\uff10-\uff19\uff0e]/g, function (c) {
      return String.fromCharCode(c.charCodeAt(0) - 0xfee0);
    }).replace(/[,\uff0c\u5143\s]/g, "");
    if (s === "") return null;
    var m = /^(\d{1,12})(?:\.(\d{1,2}))?$/.exec(s);
    if (!m) return NaN;
    return parseInt(m[1], 10) * 100 + parseInt(((m[2] || "") + "00").slice(0, 2), 10);
  }
  function fmt(fen) {
    var whole = Math.floor(fen / 100), cents = fen % 100;
    var s = String(whole).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return cents ? s + "." + (cents < 10 ? "0" : "") + cents : s;
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
    if (nc === null) nc = 0;
    if (isNaN(nc) || nc % 100 !== 0 || nc > 12000) return { error: T.no_contract };
    nc = nc / 100;
    var earned = Math.floor((units * rate + 50) / 100);  // hundredths x fen / 100, half up
    if (paid > earned) return { error: T.paid_too_much };
    var owed = earned - paid;
    var dm = md === "month" ? Math.min(Math.max(nc - 1, 0), 11) : 0;
    return { md: md, nc: nc, earned: earned, paid: paid, owed: owed, lo: Math.floor((owed + 1) / 2), hi: owed,
             dm: dm, dx: rate * dm };
  }
  function fill(s, o) { return s.replace(/\{(\w+)\}/g, function (_, k) { return o[k]; }); }
  function render() {
    var r = calc();
    out.textContent = "";
    if (r.error) {
      if (val("units") || val("rate")) { var p = document.createElement("p"); p.className = "ws-error"; p.textContent = r.error; out.appendChild(p); }
      return;
    }
    var limit = 12 * minWage * 100;
    var h = document.createElement("p");
    h.className = "ws-calc-owed";
    var strong = document.createElement("strong");
    strong.textContent = T.owed + "：" + fmt(r.owed) + T.yuan;
    if (en) strong.textContent = T.owed + ": " + fmt(r.owed) + T.yuan;
    h.appendChild(strong);
    h.appendChild(document.createTextNode(en ? " (" + T.earned + " " + fmt(r.earned) + ", " + T.paid_l + " " + fmt(r.paid) + ")"
                                             : "（" + T.earned + fmt(r.earned) + "元，" + T.paid_l + fmt(r.paid) + "元）"));
    out.appendChild(h);
    var ul = document.createElement("ul");
    function li(text) { var x = document.createElement("li"); x.textContent = text; ul.appendChild(x); }
    li(fill(r.owed <= limit ? T.in47 : T.out47, { o: fmt(r.owed), l: fmt(limit) }));
    li(fill(T.a85, { lo: fmt(r.lo), hi: fmt(r.hi) }));
    if (r.md === "month" && r.dm > 0) li(fill(T.a82, { m: r.dm, x: fmt(r.dx) }));
    if (r.md === "day" && r.nc > 0) li(T.a82day);
    out.appendChild(ul);
    var q = "amount_yuan=" + Math.floor(r.owed / 100) + (r.md === "month" ? "&months_owed=" + Math.ceil(Number(val("units")) || 0) : "") + (en ? "&lang=en" : "");
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
