// Dashboard niceties; every page works without them.
(function () {
  // Website picker: apply on change.
  document.querySelectorAll("form[data-autosubmit] select").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
  // Filter forms: leave empty fields out of the URL (?source=google, not ?q=&status=&source=google&…).
  document.querySelectorAll("form[data-drop-empty]").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("input[name], select[name]").forEach(function (field) {
        if (field.value === "") { field.disabled = true; }
      });
      // Re-enable after the navigation starts, so the back button shows the form as it was.
      setTimeout(function () { form.querySelectorAll("[disabled]").forEach(function (f) { f.disabled = false; }); }, 0);
    });
  });
  // A nav too wide for the screen (a phone) scrolls sideways: show the current page in it, not always the first ones.
  var nav = document.querySelector(".topbar nav");
  var current = nav && nav.querySelector("[aria-current]");
  if (current && nav.scrollWidth > nav.clientWidth) {
    var left = current.offsetLeft - nav.offsetLeft, right = left + current.offsetWidth;
    if (left < nav.scrollLeft || right > nav.scrollLeft + nav.clientWidth) {
      nav.scrollLeft = left - (nav.clientWidth - current.offsetWidth) / 2;
    }
  }
  // The header's folded menus (account, settings) close on Escape, handing focus back to their button.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    document.querySelectorAll(".topbar details[open]").forEach(function (menu) {
      menu.open = false;
      menu.querySelector("summary").focus();
    });
  });
  // ... and on a tap or click outside them. A menu's panel may sit outside its <details> (the account menu's
  // .who, named by the summary's aria-controls): a click in it leaves the menu open.
  document.addEventListener("click", function (event) {
    document.querySelectorAll(".topbar details[open]").forEach(function (menu) {
      var summary = menu.querySelector("summary");
      var panel = summary && summary.getAttribute("aria-controls");
      panel = panel && document.getElementById(panel);
      if (menu.contains(event.target) || (panel && panel.contains(event.target))) { return; }
      menu.open = false;
    });
  });
  // Wide charts on a narrow screen scroll inside their box: open them on the newest day (the right end).
  document.querySelectorAll("[data-scroll-end]").forEach(function (box) {
    box.scrollLeft = box.scrollWidth;
  });
  // Copy buttons on the install page.
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var source = document.getElementById(button.getAttribute("data-copy"));
      if (!source || !navigator.clipboard) { return; }
      navigator.clipboard.writeText(source.textContent.trim()).then(function () {
        var label = button.textContent;
        button.textContent = "Copied";
        setTimeout(function () { button.textContent = label; }, 1500);
      });
    });
  });
})();
// Call page: Ctrl+Enter (or Cmd+Enter) in the outcome note saves the form.
(function () {
  var note = document.querySelector(".outcome-form textarea");
  if (!note) { return; }
  note.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); note.form.requestSubmit(); }
  });
})();
