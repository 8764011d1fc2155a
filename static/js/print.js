// A "Print" button where a page marks a place for one (`[data-print-label]`, holding the
// button's words). Without JavaScript the page says to use the browser's print command.
for (const place of document.querySelectorAll("[data-print-label]")) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "nhsuk-button nhsuk-button--secondary";
  button.textContent = place.dataset.printLabel;
  button.addEventListener("click", () => window.print());
  place.append(button);
}
