/* A tiny Markdown toolbar for the desk's update editor (issue 26): no library, works on a phone.
   Without JavaScript the textarea works as it is; with it, a row of buttons above each
   textarea.md-source wraps the selection (or inserts a sample) in Markdown. */
(function () {
  "use strict";
  var TOOLS = [
    ["加粗", "**", "**", "加粗的字"],
    ["小标题", "\n## ", "\n", "小标题"],
    ["列表", "\n- ", "\n", "一项"],
    ["链接", "[", "](https://)", "链接文字"],
    ["提示框", "\n!!! note \"提示\"\n    ", "\n", "提示内容"]
  ];
  function apply(area, tool) {
    var start = area.selectionStart, end = area.selectionEnd, text = area.value;
    var chosen = text.slice(start, end) || tool[3];
    area.value = text.slice(0, start) + tool[1] + chosen + tool[2] + text.slice(end);
    area.focus();
    area.setSelectionRange(start + tool[1].length, start + tool[1].length + chosen.length);
  }
  function toolbar(area) {
    var bar = document.createElement("div");
    bar.className = "md-toolbar";
    bar.setAttribute("role", "toolbar");
    bar.setAttribute("aria-label", "格式");
    TOOLS.forEach(function (tool) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "btn grey";
      b.textContent = tool[0];
      b.addEventListener("click", function () { apply(area, tool); });
      bar.appendChild(b);
    });
    area.parentNode.insertBefore(bar, area);
  }
  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("textarea.md-source"), toolbar);
  });
})();
