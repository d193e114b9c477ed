// The request page's "Print" button: shown only when scripts run, since it needs window.print().
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
});
