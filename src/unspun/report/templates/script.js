(function () {
  "use strict";
  var tip = null, tipFor = null, tipVia = null;
  function pairOf(el) { return el.closest(".pair") || document; }
  function sideOf(el) { var d = el.closest(".doc"); return d ? d.getAttribute("data-side") : null; }
  function all(root, sel) { return Array.prototype.slice.call(root.querySelectorAll(sel)); }
  function mark(root, idx, cls, on) {
    all(root, '.doc [data-p="' + idx + '"]').forEach(function (e) { e.classList.toggle(cls, on); });
  }
  function jump(el) {
    var pair = pairOf(el), idx = el.getAttribute("data-p"), side = sideOf(el);
    all(pair, ".doc .emph").forEach(function (e) { e.classList.remove("emph"); });
    mark(pair, idx, "emph", true);
    var other = side === "a" ? "b" : "a";
    var target = pair.querySelector('.doc[data-side="' + other + '"] [data-p="' + idx + '"][data-first]');
    if (target) {
      target.scrollIntoView({ block: "center", behavior: "smooth" });
      target.focus({ preventScroll: true });
    }
  }
  function explanation(el) {
    var d = el.closest("[data-d]");
    if (!d) return null;
    var root = pairOf(d);
    var exp = root.querySelector('[data-dexp="' + d.getAttribute("data-d") + '"]');
    return exp ? { el: d, text: exp.textContent } : null;
  }
  function showTip(el, via) {
    var e = explanation(el);
    if (!e) { hideTip(); return; }
    tipVia = via;
    if (!tip) { tip = document.createElement("div"); tip.id = "unspun-tip"; tip.setAttribute("role", "tooltip"); document.body.appendChild(tip); }
    tip.textContent = e.text;
    tipFor = e.el;
    placeTip();
  }
  function placeTip() {
    if (!tip || !tipFor) return;
    var r = tipFor.getBoundingClientRect();
    if (r.bottom < 0 || r.top > window.innerHeight) { tip.style.display = "none"; return; }
    tip.style.display = "block";
    var top = r.bottom + 6;
    if (top + tip.offsetHeight > window.innerHeight) top = r.top - tip.offsetHeight - 6;
    tip.style.top = Math.max(4, top) + "px";
    tip.style.left = Math.max(4, Math.min(r.left, window.innerWidth - tip.offsetWidth - 8)) + "px";
  }
  function hideTip() { if (tip) tip.style.display = "none"; tipFor = null; }
  document.addEventListener("click", function (ev) {
    var el = ev.target.closest && ev.target.closest(".doc [data-p]");
    if (el) { jump(el); return; }
    var go = ev.target.closest && ev.target.closest("a[data-goto]");
    if (go) {
      var t = document.getElementById(go.getAttribute("data-goto"));
      if (t) {
        ev.preventDefault();
        t.scrollIntoView({ block: "center", behavior: "smooth" });
        t.focus({ preventScroll: true });
        t.classList.add("flash");
        setTimeout(function () { t.classList.remove("flash"); }, 1600);
      }
    }
  });
  document.addEventListener("keydown", function (ev) {
    var el = ev.target;
    if ((ev.key === "Enter" || ev.key === " ") && el.matches && el.matches(".doc [data-p][data-first]")) {
      ev.preventDefault();
      jump(el);
    } else if (ev.key === "Escape") { hideTip(); }
  });
  document.addEventListener("mouseover", function (ev) {
    var el = ev.target.closest && ev.target.closest(".doc [data-p]");
    if (el) mark(pairOf(el), el.getAttribute("data-p"), "hover", true);
    if (ev.target.closest && ev.target.closest(".doc [data-d]")) showTip(ev.target, "mouse");
    else if (tipVia === "mouse") hideTip();
  });
  document.addEventListener("mouseout", function (ev) {
    var el = ev.target.closest && ev.target.closest(".doc [data-p]");
    if (el) mark(pairOf(el), el.getAttribute("data-p"), "hover", false);
  });
  document.addEventListener("focusin", function (ev) {
    if (ev.target.closest && ev.target.closest(".doc [data-d]")) showTip(ev.target, "focus");
    else if (tipVia === "focus") hideTip();
  });
  document.addEventListener("focusout", function (ev) {
    if (tipVia === "focus" && ev.target === tipFor) hideTip();
  });
  window.addEventListener("scroll", placeTip, true);
})();
