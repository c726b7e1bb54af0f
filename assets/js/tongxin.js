// Tongxin's few behaviours, in one place. Pages work without this file: it only improves them.
// Loaded in <head> without `defer` so its error collector sees everything that follows.
(function () {
  "use strict";

  // Errors and CSP violations, collected for the browser tests (and anyone with devtools).
  var errors = (window.__tongxinErrors = []);
  window.addEventListener("error", function (e) {
    var target = e.target && e.target !== window ? (e.target.src || e.target.href || e.target.tagName) : "";
    errors.push(target ? "resource failed: " + target : String(e.message));
  }, true);
  window.addEventListener("unhandledrejection", function (e) { errors.push("unhandled: " + e.reason); });
  document.addEventListener("securitypolicyviolation", function (e) {
    errors.push("CSP blocked " + e.violatedDirective + ": " + e.blockedURI);
  });

  function ready(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }

  // Toasts: `showToast(text)`, also from an htmx response header `HX-Trigger: {"toast": "…"}`.
  function showToast(text) {
    var box = document.getElementById("toasts");
    if (!box || !text) return;
    var toast = document.createElement("div");
    toast.className = "toast";
    toast.textContent = text;
    box.appendChild(toast);
    setTimeout(function () { toast.remove(); }, 5000);
  }
  window.tongxinToast = showToast;

  // Confirm dialogs for destructive actions: a form with data-confirm="question" asks first.
  function ask(question, then) {
    var dialog = document.getElementById("confirm-dialog");
    if (!dialog || typeof dialog.showModal !== "function") { if (window.confirm(question)) then(); return; }
    document.getElementById("confirm-dialog-text").textContent = question;
    dialog.returnValue = "";
    dialog.addEventListener("close", function onClose() {
      dialog.removeEventListener("close", onClose);
      if (dialog.returnValue === "ok") then();
    });
    dialog.showModal();
  }

  // Optimistic disabling: a submitted form's buttons wait for the answer, so nothing is sent twice.
  function disableButtons(form) {
    form.querySelectorAll("button[type=submit], button:not([type])").forEach(function (b) {
      b.setAttribute("aria-disabled", "true");
      b.disabled = true;
    });
  }
  function enableButtons(form) {
    form.querySelectorAll("button[aria-disabled=true]").forEach(function (b) {
      b.removeAttribute("aria-disabled");
      b.disabled = false;
    });
  }

  function isHtmx(form) {
    return form.hasAttribute("hx-post") || form.hasAttribute("hx-get") || form.hasAttribute("hx-put") ||
      form.hasAttribute("hx-delete") || form.hasAttribute("hx-patch");
  }

  // Plain forms ask here; htmx forms ask in `htmx:confirm` below, so each asks exactly once.
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (form.method === "dialog") return;
    if (form.dataset.confirm && !isHtmx(form) && form.dataset.confirmed !== "yes") {
      e.preventDefault();
      ask(form.dataset.confirm, function () {
        form.dataset.confirmed = "yes";
        if (typeof form.requestSubmit === "function") form.requestSubmit(); else form.submit();
      });
      return;
    }
    // After this tick: htmx has read the form by then; plain forms are leaving the page.
    setTimeout(function () {
      delete form.dataset.confirmed;
      disableButtons(form);
    }, 0);
  }, true);

  // Dates typed the Chinese way (2020年3月10日) are shown back the ISO way; the server accepts both.
  document.addEventListener("change", function (e) {
    var input = e.target;
    if (!input.matches || !input.matches("input[placeholder='2020-03-10'], input[placeholder='2020-03-10 08:30']")) return;
    var m = input.value.trim().match(/^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?(.*)$/);
    if (!m) return;
    var pad = function (n) { return ("0" + n).slice(-2); };
    input.value = m[1] + "-" + pad(m[2]) + "-" + pad(m[3]) + m[4];
  }, true);

  // Pickers: choosing an option fills the field with its value and shows its label.
  document.addEventListener("click", function (e) {
    var option = e.target.closest && e.target.closest("[data-pick-value]");
    if (!option) return;
    var list = option.closest(".picker-options");
    var picker = option.closest(".picker");
    var input = picker && picker.querySelector("input[data-picker]");
    if (!input) return;
    input.value = option.dataset.pickValue;
    var chosen = picker.querySelector(".picker-chosen");
    if (chosen) chosen.textContent = option.dataset.pickLabel || "";
    if (list) list.innerHTML = "";
    input.setAttribute("aria-expanded", "false");
    input.focus();
  });

  ready(function () {
    // A flash message has been seen: drop it from the address so a reload does not repeat it.
    if (window.history && window.URL && location.search.indexOf("flash=") >= 0) {
      var url = new URL(location.href);
      url.searchParams.delete("flash");
      history.replaceState(null, "", url.pathname + url.search + url.hash);
    }
    var body = document.body;
    body.addEventListener("toast", function (e) { showToast(e.detail && e.detail.value); });
    // htmx: confirm through our dialog, re-enable buttons, show progress of uploads.
    body.addEventListener("htmx:confirm", function (e) {
      var form = e.detail.elt.closest && e.detail.elt.closest("form[data-confirm]");
      if (!form) return;
      e.preventDefault();
      ask(form.dataset.confirm, function () { e.detail.issueRequest(true); });
    });
    body.addEventListener("htmx:afterRequest", function (e) {
      var form = e.detail.elt.closest && e.detail.elt.closest("form");
      if (form) enableButtons(form);
    });
    body.addEventListener("htmx:xhr:progress", function (e) {
      var form = e.detail.elt.closest && e.detail.elt.closest("form");
      var bar = form && form.querySelector("progress.upload-progress");
      if (bar && e.detail.lengthComputable) {
        bar.hidden = false;
        bar.value = Math.round((e.detail.loaded / e.detail.total) * 100);
      }
    });
    body.addEventListener("htmx:afterSwap", function (e) {
      var list = e.detail.target;
      if (list && list.classList && list.classList.contains("picker-options")) {
        var input = list.closest(".picker").querySelector("input[data-picker]");
        if (input) input.setAttribute("aria-expanded", list.children.length > 0 ? "true" : "false");
      }
    });
  });
})();

// Buttons that show a toast (the style page's example).
document.addEventListener("click", function (e) {
  var button = e.target.closest && e.target.closest("[data-toast]");
  if (button && window.tongxinToast) window.tongxinToast(button.dataset.toast);
});
