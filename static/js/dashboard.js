// Dashboard niceties; every page works without them.
(function () {
  // Website picker: apply on change.
  document.querySelectorAll("form[data-autosubmit] select").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
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
