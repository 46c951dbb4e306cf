// Links a name typed in a "person involved" field to the directory entry picked from the
// suggestions, and says plainly which one, if any. Loaded as a module file (the CSP allows no
// inline script). Without JavaScript nothing is linked and the server checks every typed name.
const NOT_LINKED = "Not linked to the directory: we will check this name against the directory.";
const AMBIGUOUS =
  "More than one person in the directory has this name: we will check it against the directory.";

function update(input) {
  const hidden = document.getElementById(input.dataset.sgPick);
  const status = document.getElementById(input.dataset.sgPickStatus);
  if (!hidden || !status) {
    return;
  }
  const value = input.value.trim();
  if (hidden.value && hidden.dataset.label === value) {
    return; // still the name that was picked
  }
  const list = input.list;
  const picked = list
    ? Array.from(list.options).filter((option) => option.value === value && option.dataset.pick)
    : [];
  if (picked.length === 1) {
    hidden.value = picked[0].dataset.pick;
    hidden.dataset.label = value;
    status.textContent = `Linked to: ${value}`;
    // report_form.js offers a picked pupil's brothers and sisters (only pupils carry this token)
    input.dispatchEvent(
      new CustomEvent("sg:picked", { bubbles: true, detail: { siblings: picked[0].dataset.siblings || "" } }),
    );
    return;
  }
  const was = hidden.value;
  hidden.value = "";
  delete hidden.dataset.label;
  status.textContent = !value ? "" : picked.length > 1 ? AMBIGUOUS : NOT_LINKED;
  if (was) {
    input.dispatchEvent(new CustomEvent("sg:unpicked", { bubbles: true }));
  }
}

function pickInputs() {
  return document.querySelectorAll("input[data-sg-pick]");
}

function prepare(input) {
  const hidden = document.getElementById(input.dataset.sgPick);
  if (hidden && hidden.value) {
    hidden.dataset.label = input.value.trim(); // a form shown again after an error keeps its link
  }
  const described = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
  if (!described.includes(input.dataset.sgPickStatus)) {
    described.push(input.dataset.sgPickStatus); // screen readers hear which entry is linked
    input.setAttribute("aria-describedby", described.join(" "));
  }
}

for (const input of pickInputs()) {
  prepare(input);
}

// Listened for on the document, so rows added later (report_form.js) behave the same.
for (const kind of ["input", "change"]) {
  document.addEventListener(kind, (event) => {
    if (event.target instanceof HTMLInputElement && event.target.dataset.sgPick) {
      update(event.target);
    }
  });
}
document.addEventListener("sg:row-added", (event) => {
  for (const input of event.target.querySelectorAll("input[data-sg-pick]")) {
    prepare(input);
  }
});

// Suggestions arrive after the typing: a name typed in full may match one only now.
document.addEventListener("htmx:afterSwap", () => {
  const active = document.activeElement;
  if (active instanceof HTMLInputElement && active.dataset.sgPick) {
    update(active);
  }
});
