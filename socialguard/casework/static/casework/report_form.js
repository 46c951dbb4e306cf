// The report forms, made shorter with JavaScript (a module file: the CSP allows no inline script).
// Without JavaScript every field shows, each labelled "Only if ...", and the server decides.
//  - data-sg-show-if="name=value" / "name!=value": shown only when the radio `name` has (or has
//    not) that value; a file input inside is emptied when it is hidden.
//  - data-sg-show-if-file: shown only once a file is chosen, or one is kept from before.
//  - data-sg-show-if-unlinked="<id of a pick>": shown only while that name is not linked.
//  - "Add another person" adds a row; a picked pupil's brothers and sisters are offered as
//    ticks (fetched from the server, name and year only) and a tick fills a row.
// The case page's triage form uses the same rules (data-sg-conditional).
const form = document.querySelector("form[data-sg-report-form]");
const conditionalForms = document.querySelectorAll(
  "form[data-sg-report-form], form[data-sg-conditional]",
);

function radioValue(scope, name) {
  const checked = scope.querySelector(`input[type=radio][name="${CSS.escape(name)}"]:checked`);
  return checked ? checked.value : "";
}

function shown(element) {
  const rule = element.dataset.sgShowIf;
  const match = /^([\w-]+)(!?=)(.*)$/.exec(rule || "");
  if (!match) {
    return true;
  }
  const [, name, op, value] = match;
  return (radioValue(element.closest("form"), name) === value) === (op === "=");
}

function hasFile(element) {
  const scope = element.parentElement;
  const input = scope.querySelector("input[type=file]");
  return Boolean((input && input.files && input.files.length) || scope.querySelector("[data-sg-kept]"));
}

function setShown(element, visible) {
  element.hidden = !visible;
  if (!visible) {
    for (const input of element.querySelectorAll("input[type=file]")) {
      input.value = ""; // a file hidden away is not sent (SLT-5: the server drops it anyway)
    }
  }
}

function refresh() {
  for (const scope of conditionalForms) {
    for (const element of scope.querySelectorAll("[data-sg-show-if]")) {
      setShown(element, shown(element));
    }
    for (const element of scope.querySelectorAll("[data-sg-show-if-file]")) {
      setShown(element, hasFile(element));
    }
    for (const element of scope.querySelectorAll("[data-sg-show-if-unlinked]")) {
      const pick = document.getElementById(element.dataset.sgShowIfUnlinked);
      setShown(element, !(pick && pick.value));
    }
  }
}

// ------------------------------------------------------------------ people involved

const rows = document.getElementById("sg-involved");
const addButton = form ? form.querySelector("[data-sg-add-row]") : null;

function rowNumber(row) {
  return Number(row.dataset.sgRow);
}

function allRows() {
  return rows ? Array.from(rows.querySelectorAll("[data-sg-row]")) : [];
}

function renumber(element, from, to) {
  const pattern = new RegExp(`involved_${from}_`, "g");
  for (const node of [element, ...element.querySelectorAll("*")]) {
    for (const attribute of Array.from(node.attributes)) {
      if (attribute.value.includes(`involved_${from}_`)) {
        node.setAttribute(attribute.name, attribute.value.replace(pattern, `involved_${to}_`));
      }
    }
  }
}

function addRow() {
  const last = allRows().at(-1);
  const max = Number(rows.dataset.sgMaxRows || 20);
  if (!last || rowNumber(last) >= max) {
    return null;
  }
  const number = rowNumber(last) + 1;
  const row = last.cloneNode(true);
  renumber(row, rowNumber(last), number);
  row.dataset.sgRow = String(number);
  for (const input of row.querySelectorAll("input, select, textarea")) {
    if (input.type === "checkbox" || input.type === "radio") {
      input.checked = false;
    } else if (input.tagName === "SELECT") {
      input.selectedIndex = 0;
    } else {
      input.value = "";
    }
    input.classList.remove("govuk-input--error", "govuk-select--error");
    delete input.dataset.label;
  }
  for (const node of row.querySelectorAll(".govuk-error-message")) {
    node.remove();
  }
  for (const node of row.querySelectorAll(".govuk-form-group--error")) {
    node.classList.remove("govuk-form-group--error");
  }
  for (const label of row.querySelectorAll("label")) {
    label.textContent = label.textContent.replace(/\d+/, String(number));
  }
  row.querySelector("[data-sg-siblings-for]").dataset.sgSiblingsFor = String(number);
  row.querySelector("[data-sg-siblings-for]").replaceChildren();
  row.querySelector("[id$='-link']").textContent = "";
  rows.append(row);
  if (window.htmx) {
    window.htmx.process(row); // the typeahead on the new name field
  }
  row.dispatchEvent(new CustomEvent("sg:row-added", { bubbles: true }));
  refresh();
  return row;
}

function emptyRow() {
  return allRows().find((row) => !row.querySelector("input[data-sg-pick]").value.trim()) || addRow();
}

function fillRow(row, label, pick) {
  const input = row.querySelector("input[data-sg-pick]");
  const hidden = document.getElementById(input.dataset.sgPick);
  input.value = label;
  hidden.value = pick;
  hidden.dataset.label = label;
  document.getElementById(input.dataset.sgPickStatus).textContent = `Linked to: ${label}`;
  refresh();
}

function clearRow(row, label) {
  const input = row.querySelector("input[data-sg-pick]");
  if (input.value.trim() !== label) {
    return; // changed since: leave it alone
  }
  const hidden = document.getElementById(input.dataset.sgPick);
  input.value = "";
  hidden.value = "";
  delete hidden.dataset.label;
  document.getElementById(input.dataset.sgPickStatus).textContent = "";
  refresh();
}

async function offerSiblings(input, token) {
  const row = input.closest("[data-sg-row]");
  const box = row && row.querySelector("[data-sg-siblings-for]");
  if (!box) {
    return;
  }
  box.replaceChildren();
  if (!token) {
    return;
  }
  const url = new URL(rows.dataset.sgSiblingsUrl, window.location.href);
  url.searchParams.set("t", token);
  url.searchParams.set("row", row.dataset.sgRow);
  const response = await fetch(url, { credentials: "same-origin" });
  if (response.ok) {
    box.innerHTML = await response.text(); // server-rendered and escaped: names and years only
  }
}

if (rows) {
  if (addButton) {
    addButton.hidden = false;
    addButton.addEventListener("click", () => {
      const row = addRow();
      if (row) {
        row.querySelector("input[data-sg-pick]").focus();
      }
    });
  }
  for (const note of form.querySelectorAll(".sg-no-js-only")) {
    note.hidden = true;
  }
  rows.addEventListener("sg:picked", (event) => {
    offerSiblings(event.target, event.detail.siblings);
    refresh();
  });
  rows.addEventListener("sg:unpicked", (event) => {
    const box = event.target.closest("[data-sg-row]").querySelector("[data-sg-siblings-for]");
    box.replaceChildren();
    refresh();
  });
  rows.addEventListener("change", (event) => {
    const tick = event.target;
    if (!(tick instanceof HTMLInputElement) || !tick.dataset.sgSiblingPick) {
      return;
    }
    const label = tick.dataset.sgSiblingLabel;
    if (tick.checked) {
      const row = emptyRow();
      if (row) {
        fillRow(row, label, tick.dataset.sgSiblingPick);
        tick.dataset.sgFilled = row.dataset.sgRow;
      } else {
        tick.checked = false;
      }
    } else if (tick.dataset.sgFilled) {
      const row = rows.querySelector(`[data-sg-row="${tick.dataset.sgFilled}"]`);
      if (row) {
        clearRow(row, label);
      }
      delete tick.dataset.sgFilled;
    }
  });
}

for (const scope of conditionalForms) {
  scope.addEventListener("change", refresh);
  scope.addEventListener("input", refresh);
}
refresh();
