// Citation popovers: hover, focus or click a [n] to see the source sentence it cites; click again to
// jump there (the article's folded text opens first).
(function () {
  function reveal(target) {
    var box = target && target.closest("details");
    if (box && !box.open) box.open = true;
  }
  function openFromHash() {
    if (!location.hash) return;
    var el = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (el) { reveal(el); if (el.tagName === "DETAILS") el.open = true; el.scrollIntoView({block: "center"}); }
  }
  window.addEventListener("hashchange", openFromHash);
  document.addEventListener("DOMContentLoaded", openFromHash);
  var pop = document.getElementById("popover");
  if (!pop) return;
  var current = null;
  function sentenceOf(btn) { return document.getElementById("s-" + btn.dataset.article + "-" + btn.dataset.sentence); }
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
    var target = sentenceOf(btn);
    if (target) target.classList.add("focus");
  }
  document.querySelectorAll("button.cite").forEach(function (btn) {
    btn.addEventListener("mouseenter", function () { show(btn); });
    btn.addEventListener("focus", function () { show(btn); });
    btn.addEventListener("click", function () {
      if (current === btn && !pop.hidden) {
        var target = sentenceOf(btn);
        if (target) { reveal(target); target.scrollIntoView({behavior: "smooth", block: "center"}); target.focus(); }
      }
      show(btn);
    });
  });
  document.querySelectorAll("a.cite-link").forEach(function (a) {
    a.addEventListener("click", function () { reveal(document.getElementById(a.getAttribute("href").slice(1))); });
  });
  document.addEventListener("keydown", function (e) { if (e.key === "Escape") pop.hidden = true; });
})();

// Same fact across outlets: hovering, focusing or tapping a sentence in one outlet's text marks the
// sentences of the same fact in the others (and in the disagreements box).
(function () {
  function mark(el, on) {
    var fact = el.dataset.fact;
    if (!fact) return;
    document.querySelectorAll('[data-fact="' + fact + '"]').forEach(function (other) {
      if (other !== el) other.classList.toggle("same-fact", on);
    });
    el.classList.toggle("fact-source", on);
  }
  var pinned = null;
  var openAll = document.querySelector("button.open-all");
  if (openAll) openAll.addEventListener("click", function () {
    var boxes = document.querySelectorAll("details.source");
    var open = [].some.call(boxes, function (d) { return !d.open; });
    boxes.forEach(function (d) { d.open = open; });
  });
  document.querySelectorAll(".sources .sent[data-fact]").forEach(function (el) {
    el.addEventListener("keydown", function (e) {  // Enter or Space pins, as a tap does
      if (e.key === "Enter" || e.key === " ") { e.preventDefault(); el.click(); }
    });
    if (!el.dataset.fact) return;
    el.addEventListener("mouseenter", function () { if (!pinned) mark(el, true); });
    el.addEventListener("mouseleave", function () { if (!pinned) mark(el, false); });
    el.addEventListener("focus", function () { if (!pinned) mark(el, true); });
    el.addEventListener("blur", function () { if (!pinned) mark(el, false); });
    el.addEventListener("click", function () {  // a tap pins the marks until the next tap
      if (pinned) mark(pinned, false);
      pinned = pinned === el ? null : el;
      if (pinned) mark(pinned, true);
    });
  });
})();
