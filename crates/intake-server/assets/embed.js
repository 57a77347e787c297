// The embedded wizard's script: upload, columns and options, import, results, in the frame a
// host page opened with /embed?token=…. It reports to the host with postMessage, addressed to
// the origin named in the token only (never "*"): ready, step, progress, complete (with the
// counts), error and close, each as { source: "intake", type, ... }. On the page of a refused
// token it only tells the host why (error), when the token named the host.
//
// It must not put text from the file or the server into the page as HTML (textContent only),
// and sends the embed session in the X-Intake-Embed header, never in a URL or a cookie.
"use strict";

(function () {
  const root = document.getElementById("intake-embed");
  const config = JSON.parse(root.dataset.config);
  const byId = (id) => document.getElementById(id);
  let importId = null;

  // The page that says why the wizard did not open: the host is told (when it is known).
  if (config.refused) {
    if (config.origin && window.parent !== window) {
      window.parent.postMessage({ source: "intake", type: "error", message: config.refused }, config.origin);
    }
    return;
  }

  /** Tells the host page; the browser drops it unless the host is at the token's origin. */
  function tell(type, detail) {
    if (window.parent === window) return;
    window.parent.postMessage(Object.assign({ source: "intake", type: type }, detail || {}), config.origin);
  }

  function show(step) {
    for (const name of ["upload", "map", "importing", "results"]) {
      byId("step-" + name).hidden = name !== step;
    }
    tell("step", { step: step });
  }

  function fail(message) {
    const box = byId("embed-error");
    box.textContent = message;
    box.hidden = false;
    tell("error", { message: message });
  }

  async function call(method, path, body, contentType) {
    const headers = { "X-Intake-Embed": config.session };
    if (contentType) headers["Content-Type"] = contentType;
    const response = await fetch("/embed/api" + path, { method: method, headers: headers, body: body });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) {
      const message = (answer.error && answer.error.message) || answer.message || response.statusText;
      throw new Error(message);
    }
    return answer;
  }

  // 1. The file.
  byId("upload-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    byId("embed-error").hidden = true;
    const file = byId("upload-file").files[0];
    if (!file) return fail("Choose a file first.");
    try {
      const uploaded = await call("POST", "/imports?filename=" + encodeURIComponent(file.name), file,
        "application/octet-stream");
      importId = uploaded.id;
      showColumns(uploaded);
      show("map");
    } catch (error) {
      fail("The file could not be read: " + error.message);
    }
  });

  // 2. Columns and options.
  function showColumns(uploaded) {
    byId("read-as").textContent = uploaded.read_as || "";
    const body = byId("columns");
    body.replaceChildren();
    uploaded.columns.forEach((column, index) => {
      const row = document.createElement("tr");
      const header = document.createElement("th");
      header.scope = "row";
      header.textContent = column.header;
      header.id = "column-" + index;
      const samples = document.createElement("td");
      samples.className = "samples";
      samples.textContent = (column.samples || []).join(" · ");
      const choice = document.createElement("td");
      choice.appendChild(fieldPicker(column, index));
      row.append(header, samples, choice);
      body.appendChild(row);
    });
    showOptions();
  }

  function fieldPicker(column, index) {
    const select = document.createElement("select");
    select.id = "field-" + index;
    select.dataset.header = column.header;
    select.setAttribute("aria-labelledby", "column-" + index);
    const none = new Option("— leave out —", "");
    select.add(none);
    for (const field of config.fields) {
      select.add(new Option(field.label, field.name, false, field.name === column.field));
    }
    if (!column.field) none.selected = true;
    return select;
  }

  const OPTION_TEXT = {
    purpose: ["What the import does", "select", ["add-update", "add", "update", "add-all"]],
    identifier: ["How a contact is recognized", "select", ["email", "phone", "id", "external_id"]],
    no_overwrite: ["Only fill empty fields, never replace a value", "check"],
    tags: ["Tags for every contact (separated by commas)", "list"],
    lists: ["Lists every contact joins (separated by commas)", "list"],
    unsubscribe_all: ["Unsubscribe every contact of the file", "check"],
    default_region: ["Country of phone numbers without a country code (two letters, DE)", "text"],
    date_format: ["Date format of every date column (%d.%m.%Y)", "text"],
    whatsapp_from_mobile: ["Use the mobile number as the WhatsApp number", "check"],
    delimiter: ["Column separator (found by itself when empty)", "text"],
    encoding: ["Encoding (found by itself when empty)", "text"],
    has_header: ["The first row is the header", "check"],
    sheet: ["Sheet of a spreadsheet", "text"],
  };

  function showOptions() {
    const box = byId("options");
    box.replaceChildren();
    for (const name of config.allowed_options) {
      const [text, kind, values] = OPTION_TEXT[name] || [name, "text"];
      const wrap = document.createElement("div");
      const label = document.createElement("label");
      label.htmlFor = "option-" + name;
      label.textContent = text;
      let input;
      if (kind === "select") {
        input = document.createElement("select");
        for (const value of values) input.add(new Option(value, value));
      } else {
        input = document.createElement("input");
        input.type = kind === "check" ? "checkbox" : "text";
      }
      input.id = "option-" + name;
      input.dataset.option = name;
      input.dataset.kind = kind;
      if (kind === "check") {
        wrap.className = "check";
        wrap.append(input, document.createTextNode(" "), label);
      } else {
        wrap.append(label, input);
      }
      box.appendChild(wrap);
    }
  }

  function choices() {
    const mapping = {};
    for (const select of document.querySelectorAll("#columns select")) {
      mapping[select.dataset.header] = select.value || null;
    }
    const options = {};
    for (const input of document.querySelectorAll("#options [data-option]")) {
      const name = input.dataset.option;
      if (input.dataset.kind === "check") {
        if (input.checked) options[name] = true;
      } else if (input.dataset.kind === "list") {
        const items = input.value.split(",").map((s) => s.trim()).filter(Boolean);
        if (items.length) options[name] = items;
      } else if (input.value.trim()) {
        options[name] = input.value.trim();
      }
    }
    return { mapping: mapping, options: options };
  }

  byId("map-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    byId("embed-error").hidden = true;
    try {
      await call("PATCH", "/imports/" + importId, JSON.stringify(choices()), "application/json");
      await call("POST", "/imports/" + importId + "/start");
      show("importing");
      follow();
    } catch (error) {
      fail(error.message);
    }
  });

  // 3. The import, polled until it ends.
  async function follow() {
    let last = -1;
    for (;;) {
      let current;
      try {
        current = await call("GET", "/imports/" + importId);
      } catch (error) {
        return fail(error.message);
      }
      const ended = !["queued", "running"].includes(current.state);
      const total = ended ? current.counts.rows : (current.progress && current.progress.rows_total) || 0;
      const done = ended ? current.counts.rows : (current.progress && current.progress.rows_done) || 0;
      if (done !== last) {
        last = done;
        const percent = total ? Math.floor((done * 100) / total) : 0;
        byId("import-progress").value = percent;
        byId("progress-text").textContent = done + (total ? " of " + total : "") + " rows";
        tell("progress", { rows_done: done, rows_total: total || null, percent: percent });
      }
      if (ended) return finish(current);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  }

  // 4. The results.
  function finish(current) {
    if (current.state !== "completed") {
      return fail("The import " + current.state + (current.message ? ": " + current.message : "."));
    }
    const list = byId("counts");
    list.replaceChildren();
    const names = { rows: "Rows", imported: "New contacts", updated: "Updated", skipped: "Skipped",
                    errors: "Errors" };
    for (const [key, text] of Object.entries(names)) {
      const term = document.createElement("dt");
      term.textContent = text;
      const value = document.createElement("dd");
      value.id = "count-" + key;
      value.textContent = String(current.counts[key]);
      list.append(term, value);
    }
    show("results");
    tell("complete", { import_id: current.id, counts: current.counts });
  }

  byId("close").addEventListener("click", () => tell("close"));

  tell("ready");
  show("upload");
})();
