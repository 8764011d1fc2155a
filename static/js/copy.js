// Copy buttons for text boxes marked `.app-copy` (a wrapper with data-copy-label, the
// button's words, and data-copy-context, words that say which box it copies for screen
// readers) holding a `.app-copy__source` field. Without JavaScript the text stays in the
// box to select and copy by hand; with it, a button copies it and a status message
// (`.app-copy-status`, role="status") says so.

const status = document.querySelector(".app-copy-status");
const buttons = [];

function say(message) {
  if (status) status.textContent = message;
}

async function copyText(source) {
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(source.value ?? source.textContent);
    return;
  }
  // Older browsers and pages served over plain HTTP: copy the selection instead.
  source.focus();
  source.select();
  if (!document.execCommand("copy")) throw new Error("copy refused");
}

for (const box of document.querySelectorAll(".app-copy")) {
  const source = box.querySelector(".app-copy__source");
  if (!source) continue;
  const context = box.dataset.copyContext || "";
  const button = document.createElement("button");
  button.type = "button";
  button.className =
    "nhsuk-button nhsuk-button--secondary nhsuk-button--small nhsuk-u-margin-top-2 app-copy__button";
  const label = box.dataset.copyLabel || "Copy";
  const words = document.createTextNode(label);
  button.append(words);
  if (context) {
    const hidden = document.createElement("span");
    hidden.className = "nhsuk-u-visually-hidden";
    hidden.textContent = ` ${context}`;
    button.append(hidden);
  }
  button.addEventListener("click", async () => {
    const what = `${box.querySelector("label")?.textContent.trim() || "the text"}`;
    try {
      await copyText(source);
      for (const other of buttons) other.reset();
      words.textContent = "Copied";
      say(`Copied: ${what}.`);
    } catch {
      source.focus();
      source.select();
      say(`Could not copy ${what}: it is selected, so copy it with your keyboard.`);
    }
  });
  buttons.push({ reset: () => { words.textContent = label; } });
  box.append(button);
}
