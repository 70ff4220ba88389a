// Pool form: show only the settings that apply to the chosen kind and tracking. Progressive: without this
// script every field shows. Fieldsets carry `applies-kind-…`/`applies-tracking-…` classes; single rows are
// listed in ROWS (minimum visits and the visit window only matter to source pools, max size to visitor pools).
(function () {
  var ROWS = { min_visits: "source", visit_window_days: "source", max_size: "visitor" };
  function value(name) {
    var field = document.getElementById("id_" + name);
    return field ? field.value : null;
  }
  function update() {
    var kind = value("kind"), tracking = value("tracking");
    document.querySelectorAll("fieldset[class*='applies-']").forEach(function (fieldset) {
      var show = true;
      fieldset.classList.forEach(function (cls) {
        var match = /^applies-(kind|tracking)-(\w+)$/.exec(cls);
        if (match && (match[1] === "kind" ? kind : tracking) !== match[2]) { show = false; }
      });
      fieldset.hidden = !show;
    });
    Object.keys(ROWS).forEach(function (name) {
      var row = document.querySelector(".field-" + name);
      if (row && tracking) { row.hidden = tracking !== ROWS[name]; }
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    ["kind", "tracking"].forEach(function (name) {
      var field = document.getElementById("id_" + name);
      if (field) { field.addEventListener("change", update); }
    });
    update();
  });
})();
