// Catalog pages: a variant row ticked "Remove" is shown struck through before saving (it is
// only removed when the product is saved, and unticking brings it back).
(function () {
  "use strict";

  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches('.variant-row input[type="checkbox"][name$="-DELETE"]')) return;
    var row = box.closest(".variant-row");
    if (row) row.classList.toggle("is-removed", box.checked);
  });
})();
