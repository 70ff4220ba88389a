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
