/* Project index filter: the grouped list works without JavaScript; this adds a text box that
   hides projects (and empty townships) not matching what the worker types. */
(function () {
  var box = document.querySelector(".ws-filter");
  var input = document.getElementById("ws-filter-input");
  if (!box || !input) return;
  box.hidden = false;
  var items = Array.prototype.slice.call(document.querySelectorAll(".ws-projects li"));
  var towns = Array.prototype.slice.call(document.querySelectorAll(".ws-town"));
  var timer = null;
  function apply() {
    var q = input.value.trim().toLowerCase();
    items.forEach(function (li) {
      li.hidden = q !== "" && li.getAttribute("data-ws-text").indexOf(q) === -1;
    });
    towns.forEach(function (s) {
      s.hidden = q !== "" && !s.querySelector(".ws-projects li:not([hidden])");
    });
  }
  input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(apply, 120); });
})();
