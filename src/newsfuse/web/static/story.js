// Citation popovers: hover or click a [n] to see the source sentence it cites; click again to jump there.
(function () {
  var pop = document.getElementById("popover");
  if (!pop) return;
  var current = null;
  function show(btn) {
    pop.textContent = "";
    var head = document.createElement("strong");
    head.textContent = btn.dataset.outlet + ": ";
    var quote = document.createElement("span");
    quote.textContent = btn.dataset.quote;  // textContent: article text is never parsed as HTML
    pop.appendChild(head); pop.appendChild(quote);
    var r = btn.getBoundingClientRect();
    pop.style.top = (window.scrollY + r.bottom + 6) + "px";
    pop.style.left = Math.max(8, Math.min(window.scrollX + r.left - 20, window.innerWidth - 340)) + "px";
    pop.hidden = false;
    current = btn;
    document.querySelectorAll(".sent.focus").forEach(function (el) { el.classList.remove("focus"); });
    var target = document.getElementById("s-" + btn.dataset.article + "-" + btn.dataset.sentence);
    if (target) target.classList.add("focus");
  }
  document.querySelectorAll("button.cite").forEach(function (btn) {
    btn.addEventListener("mouseenter", function () { show(btn); });
    btn.addEventListener("focus", function () { show(btn); });
    btn.addEventListener("click", function () {
      if (current === btn && !pop.hidden) {
        var target = document.getElementById("s-" + btn.dataset.article + "-" + btn.dataset.sentence);
        if (target) target.scrollIntoView({behavior: "smooth", block: "center"});
      }
      show(btn);
    });
  });
  document.addEventListener("keydown", function (e) { if (e.key === "Escape") pop.hidden = true; });
})();
