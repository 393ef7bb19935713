// The monthly report's Print button (a file, not an inline handler: the console's CSP forbids those).
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("button[data-print]")) {
    button.addEventListener("click", () => window.print());
  }
});
