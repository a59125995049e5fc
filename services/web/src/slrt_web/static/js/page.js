// Small helpers of the desk pages (no inline scripts: the Content-Security-Policy forbids them).
document.addEventListener("click", function (e) {
  // A DTKS candidate chosen from the name search: its NIK goes into the NIK field as well.
  var use = e.target.closest("[data-nik]");
  if (use) { var nik = document.getElementById("nik"); if (nik) nik.value = use.getAttribute("data-nik"); }
  if (e.target.closest("[data-print]")) window.print();
  // A village chosen by its name: its code goes into the village field.
  var village = e.target.closest("[data-village]");
  if (village) {
    document.getElementById("village").value = village.getAttribute("data-village");
    document.getElementById("village-name").textContent = village.getAttribute("data-name");
    document.getElementById("village-choices").textContent = "";
  }
});
document.addEventListener("htmx:afterSwap", function () {
  // The person found in DTKS lives in a village: fill the village when the officer left it empty.
  var found = document.getElementById("dtks-village"), village = document.getElementById("village");
  if (found && village && !village.value) {
    village.value = found.value;
    document.getElementById("village-name").textContent = found.getAttribute("data-name");  // its official name
  }
});
