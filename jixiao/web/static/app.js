/* jixiao workbench: drag & drop upload, finding → sentence, indicator rows. No inline scripts (CSP). */
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }

  ready(function () {
    // Upload: drop many files on the zone, htmx posts them, the batch polls its progress.
    var zone = document.getElementById("dropzone");
    var input = document.getElementById("file-input");
    var form = document.getElementById("upload-form");
    if (zone && input && form) {
      ["dragenter", "dragover"].forEach(function (ev) {
        zone.addEventListener(ev, function (e) { e.preventDefault(); zone.classList.add("over"); });
      });
      ["dragleave", "drop"].forEach(function (ev) {
        zone.addEventListener(ev, function (e) { e.preventDefault(); zone.classList.remove("over"); });
      });
      zone.addEventListener("drop", function (e) {
        if (!e.dataTransfer || !e.dataTransfer.files.length) return;
        input.files = e.dataTransfer.files;
        send();
      });
      input.addEventListener("change", function () { if (input.files.length) send(); });
      form.addEventListener("htmx:afterRequest", function () { input.value = ""; });
    }
    function send() {
      var n = input.files.length;
      zone.querySelector(".dz-main").textContent = "正在上传 " + n + " 个文件…";
      window.htmx.trigger(form, "submit");
      setTimeout(function () { zone.querySelector(".dz-main").innerHTML = "将文件拖到此处，或<u>点击选择文件</u>"; }, 1200);
    }

    // htmx does not swap error answers: show their one-line message instead of failing silently.
    document.body.addEventListener("htmx:responseError", function (e) {
      var xhr = e.detail.xhr;
      var text = "请求失败（" + xhr.status + "）";
      try { text = JSON.parse(xhr.responseText).error || text; } catch (err) {
        var parsed = new DOMParser().parseFromString(xhr.responseText, "text/html"); // inert: nothing runs
        text = (parsed.body.textContent || "").trim() || text;
      }
      var box = document.createElement("div");
      box.className = "alert error";
      box.setAttribute("role", "alert");
      box.textContent = text;
      var target = e.detail.target || document.querySelector("main");
      if (target && target.id === "batches") target.prepend(box);
      else if (target && target.parentNode) target.parentNode.insertBefore(box, target);
      setTimeout(function () { box.remove(); }, 8000);
    });

    // Report page: a finding scrolls to its line and flashes the sentence.
    var doc = document.getElementById("doc");
    function focusFinding(card) {
      var line = card.getAttribute("data-line");
      var ref = card.getAttribute("data-ref");
      document.querySelectorAll(".finding.active").forEach(function (el) { el.classList.remove("active"); });
      card.classList.add("active");
      if (!doc || !line) return;
      doc.querySelectorAll(".ln.active, mark.active, .sent-on").forEach(function (el) {
        el.classList.remove("active", "flash", "sent-on");
      });
      if (ref) {
        doc.querySelectorAll('[data-s~="' + ref + '"]').forEach(function (el) { el.classList.add("sent-on"); });
      }
      var el = document.getElementById("L" + line);
      if (!el) return;
      el.classList.add("active");
      if (ref) doc.querySelectorAll('mark[data-ref="' + ref + '"]').forEach(function (m) { m.classList.add("active"); });
      el.scrollIntoView({ block: "center", behavior: "smooth" });
      el.classList.remove("flash");
      void el.offsetWidth; // restart the animation
      el.classList.add("flash");
    }
    document.addEventListener("click", function (e) {
      var card = e.target.closest ? e.target.closest(".finding") : null;
      if (!card || e.target.closest("form")) return;
      focusFinding(card);
    });
    document.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && e.target.classList && e.target.classList.contains("finding")) focusFinding(e.target);
    });
    // A highlighted figure in the text points back to its finding.
    if (doc) {
      doc.addEventListener("click", function (e) {
        var m = e.target.closest("mark.hit");
        if (!m) return;
        var card = document.querySelector('.finding[data-ref="' + m.getAttribute("data-ref") + '"]');
        if (card) { card.scrollIntoView({ block: "nearest", behavior: "smooth" }); focusFinding(card); }
      });
    }

    // 填报: add / remove indicator rows, then rescore.
    var addRow = document.getElementById("add-row");
    var table = document.getElementById("ind-table");
    var tpl = document.getElementById("ind-row");
    if (addRow && table && tpl) {
      addRow.addEventListener("click", function () {
        table.tBodies[0].appendChild(tpl.content.cloneNode(true));
      });
      table.addEventListener("click", function (e) {
        if (!e.target.classList.contains("del-row")) return;
        e.target.closest("tr").remove();
        window.htmx.trigger(document.getElementById("fill-form"), "change");
      });
    }
  });
})();
