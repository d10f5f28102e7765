// The deal's grade list offers only the chosen commodity's grades. Without JavaScript every grade on
// offer is listed, grouped by commodity, and the server refuses a grade of another commodity.
(function () {
  "use strict";

  function narrow(commodity) {
    const form = commodity.form;
    const grades = form && form.querySelector("select[name=specification]");
    if (!grades) return;
    grades.querySelectorAll("option[data-commodity]").forEach(function (option) {
      const other = option.dataset.commodity !== commodity.value;
      option.hidden = other;
      option.disabled = other;
      if (other && option.selected) grades.value = "";
    });
    grades.querySelectorAll("optgroup").forEach(function (group) {
      group.hidden = !group.querySelector("option:not([hidden])");
    });
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("select[name=commodity]")) narrow(event.target);
  });
  document.querySelectorAll("select[name=commodity]").forEach(function (commodity) {
    if (commodity.value) narrow(commodity);
  });
})();
