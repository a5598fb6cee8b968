/* The search page: open Material's search box at once (other pages only link here, so that
   the search index is downloaded only by someone who wants to search). A ?q= query is typed in. */
(function () {
  var toggle = document.getElementById("__search");
  var input = document.querySelector(".md-search__input");
  if (!toggle || !input) return;
  toggle.checked = true;
  toggle.dispatchEvent(new Event("change"));
  var q = new URLSearchParams(location.search).get("q");
  if (q) {
    input.value = q;
    input.dispatchEvent(new Event("input", { bubbles: true }));
  }
  input.focus();
})();
