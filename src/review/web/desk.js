// The review desk's keyboard shortcuts, one key per step (shown on each page):
// A accept the suggestion, R reassign to the runner-up, N next, P previous, Q the queue.
// Keys typed into a field, with a modifier, or while an input method composes (Telex,
// VNI) are left alone; a decision is sent once.
(function () {
  "use strict";
  var sent = false;
  document.addEventListener("keydown", function (e) {
    if (sent || e.altKey || e.ctrlKey || e.metaKey || e.isComposing) return;
    var t = e.target;
    var tag = t && t.tagName;
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (t && t.isContentEditable)) return;
    var press = function (el) {
      if (!el) return;
      e.preventDefault();
      sent = true;
      el.click();
    };
    var k = (e.key || "").toLowerCase();
    if (k === "a") {
      press(document.querySelector("button[name=action][value=accept]"));
    } else if (k === "r") {
      var form = document.querySelector("form[data-runner-up]");
      var pick = form && form.querySelector("select[name=department]");
      if (pick && form.dataset.runnerUp) {
        pick.value = form.dataset.runnerUp;
        press(form.querySelector("button[name=action][value=reassign]"));
      }
    } else if (k === "n" || k === "j") {
      press(document.querySelector("a[data-key=next]"));
    } else if (k === "p" || k === "k") {
      press(document.querySelector("a[data-key=prev]"));
    } else if (k === "q" || k === "escape") {
      press(document.querySelector("a[data-key=queue]"));
    }
  });
  // Back to a page from the browser's cache: keys work again.
  window.addEventListener("pageshow", function () { sent = false; });
})();
