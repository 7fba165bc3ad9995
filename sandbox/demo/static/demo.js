// The demo page: fetch what the app posted (rendered on the server) and post back what the
// person does. Nothing here talks to anything but the demo server on this machine.
"use strict";

const seen = {};
let choices = [];

// What the page did, then the page redrawn; resolves to the server's answer.
function post(path, data) {
  return fetch("/api/" + path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(data || {}),
  }).then((r) => r.json()).then((answer) => {
    if (answer.error) flash(answer.error);
    return refresh().then(() => answer);
  });
}

function flash(text) {
  const note = document.getElementById("flash");
  note.textContent = text;
  note.hidden = false;
  setTimeout(() => { note.hidden = true; }, 4000);
}

// Replace a region only when the server's HTML changed, so typing and scrolling survive polls;
// not while a confirmation dialog in it is open (a poll after it closes brings the change).
function place(id, html, layer) {
  if (seen[id] === html) return;
  const target = document.getElementById(id);
  if (target.querySelector("dialog[open]")) return;
  seen[id] = html;
  if (layer) target.hidden = !html;
  const stick = target.scrollHeight - target.scrollTop - target.clientHeight < 40;
  const typed = typedIn(target);
  target.innerHTML = html || "";
  restore(target, typed);
  unlink(target);
  if (stick && !layer) target.scrollTop = target.scrollHeight;
}

function refresh() {
  return fetch("/api/state").then((r) => r.json()).then((state) => {
    place("messages", state.messages);
    place("ephemeral", state.ephemeral);
    place("modal-layer", state.modal, true);
    place("home-layer", state.home, true);
    place("gateway-log", state.gateway_log);
    place("hints", state.hints.map((hint) => "<li>" + hint + "</li>").join(""));
    place("outcomes", state.outcomes.map(chosen).join(""));
    place("workflow-form-slot", state.workflow_form);
    place("workflow-runs", state.workflow);
    document.getElementById("delay").textContent = state.delay;
    const outcome = document.getElementById("outcome-choice");
    if (!outcome.options.length) {
      choices = state.choices;
      choices.forEach((choice, index) => outcome.add(new Option(choice.label, index)));
    }
    const who = document.getElementById("user");
    if (!who.options.length) {
      for (const [id, name] of Object.entries(state.people)) who.add(new Option(name, id));
    }
    who.value = state.user;
    document.dispatchEvent(new CustomEvent("demo-state", { detail: state })); // sidebar.js
  }).catch(() => {});
}

function chosen(entry) {
  const div = document.createElement("div");
  div.className = "outcome-row";
  div.textContent = `${entry.phone}: ${entry.outcome}`;
  return div.outerHTML;
}

// What is typed in a form, by block id: text, the chosen option (a file's id, for a file
// input), checked boxes and the options of a multiple choice as lists.
function values(form) {
  const out = {};
  for (const control of form.querySelectorAll("[name]")) {
    if (control.type === "checkbox") {
      out[control.name] = out[control.name] || [];
      if (control.checked) out[control.name].push(control.value);
    } else if (control.multiple) {
      out[control.name] = [...control.selectedOptions].map((option) => option.value);
    } else {
      out[control.name] = control.value;
    }
  }
  return out;
}

// A modal redrawn in the same state (an error shown, a file added to a file input's choice)
// keeps what the person typed, as Slack's does; a new state of the view (the app updated it)
// shows what the app sent.
function typedIn(region) {
  const form = region.querySelector("form.sk-modal");
  if (!form) return null;
  return { id: form.dataset.viewId, hash: form.dataset.viewHash, values: values(form) };
}

function restore(region, typed) {
  const form = region.querySelector("form.sk-modal");
  if (!typed || !form || form.dataset.viewId !== typed.id) return;
  if (form.dataset.viewHash !== typed.hash) return;
  for (const control of form.querySelectorAll("[name]")) {
    if (!(control.name in typed.values)) continue;
    const value = typed.values[control.name];
    if (control.type === "checkbox") {
      control.checked = value.includes(control.value);
    } else if (control.multiple) {
      for (const option of control.options) option.selected = value.includes(option.value);
    } else if (control.tagName !== "SELECT" || [...control.options].some((o) => o.value === value)) {
      control.value = value;
    }
  }
}

// A file chosen on this computer for a file input: its bytes go to the demo server, which
// puts them into the Slack stand-in and offers the file in the input's choice, chosen.
function upload(input) {
  const file = input.files[0];
  const form = input.closest("form.sk-modal");
  if (!file || !form) return;
  const reader = new FileReader();
  reader.onload = () => {
    const content = String(reader.result).split(",", 2)[1] || "";
    const block = input.dataset.uploadFor;
    post("upload", { view_id: form.dataset.viewId, block_id: block, name: file.name, content })
      .then((answer) => {
        if (!answer.file) return;
        const choice = document.querySelector(`form.sk-modal select[name="${CSS.escape(block)}"]`);
        if (!choice) return;
        for (const option of choice.options) {
          if (option.value === answer.file.id) option.selected = true;
          else if (!choice.multiple) option.selected = false;
        }
      });
  };
  reader.readAsDataURL(file);
}

// A run's "Link to the thread": the thread's parent message in #support, scrolled to.
function showThread(ts) {
  const parent = [...document.querySelectorAll("#messages .sk-message")]
    .find((message) => message.dataset.ts === ts);
  if (!parent) {
    flash("That thread is not in #support");
    return;
  }
  parent.scrollIntoView({ block: "center" });
  parent.classList.add("sk-highlight");
  setTimeout(() => parent.classList.remove("sk-highlight"), 2000);
}

function where(element) {
  const message = element.closest(".sk-message");
  if (message) return { ts: message.dataset.ts };
  const view = element.closest(".sk-view");
  if (view) {
    const data = { view_id: view.dataset.viewId };
    if (view.tagName === "FORM") data.values = values(view);
    return data;
  }
  return null;
}

function act(element, choice) {
  const origin = where(element);
  if (!origin) return;
  post("click", Object.assign(origin, {
    block_id: element.dataset.blockId,
    action_id: element.dataset.actionId,
    choice: choice,
  }));
}

// The demo never reaches the internet: a link keeps its address to show, not to follow.
// A file shared in a thread downloads from the demo server itself (/files/<id>); a link to
// the app itself (an advertisement's stop link, in the eSMS panel) opens it in a new tab.
function unlink(region) {
  const links = region.querySelectorAll("a[href]:not(.sk-file-download):not(.demo-own-link)");
  for (const link of links) {
    link.dataset.href = link.getAttribute("href");
    link.removeAttribute("href");
    link.title = "The demo does not follow links";
  }
}

document.addEventListener("click", (event) => {
  const suggested = event.target.closest(".try-command");
  if (suggested) {
    const box = document.getElementById("command");
    box.value = suggested.dataset.command;
    box.focus();
    return;
  }
  const step = event.target.closest(".try-step");
  if (step) {
    const phones = document.querySelector("#workflow-form [name=phones]");
    if (phones) {
      phones.value = step.dataset.phones;
      phones.focus();
    }
    return;
  }
  const hours = event.target.closest(".try-hours");
  if (hours) {
    hours.disabled = true;
    flash("Restarting the app with the marketing hours open …");
    post("hours");
    return;
  }
  const thread = event.target.closest(".wf-thread-link");
  if (thread) {
    showThread(thread.dataset.threadTs);
    return;
  }
  const stop = event.target.closest(".wf-stop");
  if (stop) {
    post("stop", { execution_id: stop.dataset.executionId });
    return;
  }
  const link = event.target.closest("a[data-href]");
  if (link) {
    flash("The demo does not follow links: " + link.dataset.href);
    return;
  }
  const button = event.target.closest("button.sk-button");
  if (!button) return;
  if (button.classList.contains("sk-view-close")) {
    event.preventDefault();
    post("close", { what: "modal" });
    return;
  }
  if (button.classList.contains("sk-confirm-deny")) {
    button.closest("dialog").close();
    return;
  }
  if (button.classList.contains("sk-confirm-yes")) {
    const dialog = button.closest("dialog");
    dialog.close();
    act(dialog.previousElementSibling);
    return;
  }
  if (!button.dataset.actionId) return;
  event.preventDefault();
  if (button.dataset.url) flash("In Slack this button would also open " + button.dataset.url);
  const dialog = button.nextElementSibling;
  if (button.dataset.confirm && dialog && dialog.tagName === "DIALOG") {
    dialog.showModal();
    return;
  }
  act(button);
});

// A searchable select: what is typed is asked of the app (as Slack asks it), and the options
// it answers replace the choice's. Asked when the box is first used and after each pause.
let searchTimer = null;
function suggest(box) {
  const origin = where(box);
  if (!origin) return;
  fetch("/api/suggest", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({
      view_id: origin.view_id,
      block_id: box.dataset.suggestFor,
      action_id: box.dataset.actionId,
      value: box.value,
    }),
  }).then((r) => r.json()).then((answer) => {
    if (answer.error) { flash(answer.error); return; }
    const select = box.nextElementSibling;
    const first = select.options[0];
    select.replaceChildren(first);
    for (const option of answer.options) {
      select.append(new Option(option.text, option.value));
    }
    first.textContent = answer.options.length ? first.textContent : "Nothing matches";
  });
}

document.addEventListener("focusin", (event) => {
  const box = event.target;
  if (box.classList && box.classList.contains("sk-suggest") && !box.dataset.asked) {
    box.dataset.asked = "1";
    suggest(box);
  }
});

document.addEventListener("input", (event) => {
  const box = event.target;
  if (!box.classList || !box.classList.contains("sk-suggest")) return;
  clearTimeout(searchTimer);
  searchTimer = setTimeout(() => suggest(box), 250);
});

document.addEventListener("change", (event) => {
  const control = event.target;
  if (control.dataset && control.dataset.uploadFor) {
    upload(control);
    return;
  }
  if (control.id === "user") {
    post("user", { user: control.value });
    return;
  }
  if (control.name) return; // a form field: sent with the form
  if (control.classList.contains("sk-suggest")) return; // a search box: its select acts
  const box = control.closest(".sk-checkboxes");
  if (box && box.dataset.actionId) {
    act(box, [...box.querySelectorAll("input:checked")].map((c) => c.value));
  } else if (control.dataset && control.dataset.actionId) {
    act(control, control.value);
  }
});

document.addEventListener("submit", (event) => {
  const form = event.target;
  event.preventDefault();
  if (form.classList.contains("sk-modal")) {
    post("submit", { view_id: form.dataset.viewId, values: values(form) });
  } else if (form.id === "composer-box") {
    const box = document.getElementById("command");
    post("command", { text: box.value });
    box.value = "";
  } else if (form.id === "outcome-form") {
    const choice = choices[Number(document.getElementById("outcome-choice").value)];
    if (!choice) return;
    post("outcome", {
      phone: document.getElementById("outcome-phone").value,
      outcome: choice.viber,
      sms: choice.sms,
    });
  } else if (form.id === "workflow-form") {
    post("step", { values: values(form) }).then(() => {
      document.getElementById("workflow-runs").scrollIntoView({ block: "nearest" });
    });
  } else if (form.id === "force-form") {
    post("force", { code: document.getElementById("force-code").value });
  }
});

refresh();
setInterval(refresh, 1000);
