// The composer: variants follow the common text until edited, chosen channels show their part, chosen
// images their alt text, thread parts are added, and uploads go to the media library at once. Checks are
// htmx's job. What a refused submit said stays by the buttons until what it names is changed.
(function () {
  const form = document.getElementById("composer");
  if (!form) return;
  const common = document.getElementById("common-text");
  const variant = (id) => form.querySelector(`fieldset.variant[data-channel="${id}"]`);
  const changed = () => form.dispatchEvent(new Event("change", { bubbles: true }));

  function follow(fieldset, following) {
    const own = fieldset.querySelector("input[name^=own_]");
    const text = fieldset.querySelector("textarea.variant-text");
    const again = fieldset.querySelector("button.follow-common");
    if (!own || !text) return;
    own.value = following ? "0" : "1";
    if (following) text.value = common.value;
    if (again) again.hidden = following;
  }

  // A refusal names the field it is about; these are the inputs that can answer it.
  const answeredBy = { channels: ["variants", "queue"], scheduled_at: ["scheduled_at"], media: ["media"] };
  const refusal = document.getElementById("refusal");
  if (refusal && refusal.textContent.trim()) refusal.focus();

  form.addEventListener("change", (event) => {
    const box = event.target;
    for (const field of answeredBy[box.name] || []) {
      refusal.querySelectorAll(`[data-field="${field}"]`).forEach((said) => said.remove());
    }
    if (box.name === "media") {
      const alt = document.querySelector(`#alt-texts .alt-text[data-media="${box.value}"]`);
      if (alt) alt.hidden = !box.checked;
    }
    if (box.name !== "channels") return;
    const part = variant(box.value);
    if (part) part.hidden = !box.checked;
    const preview = document.getElementById(`preview-${box.value}`);
    if (preview) preview.hidden = !box.checked;
  });

  common.addEventListener("input", () => {
    form.querySelectorAll("fieldset.variant").forEach((fieldset) => {
      const own = fieldset.querySelector("input[name^=own_]");
      if (own && own.value !== "1") fieldset.querySelector("textarea.variant-text").value = common.value;
    });
  });

  form.addEventListener("input", (event) => {
    const field = event.target;
    if (field.classList.contains("variant-text")) follow(field.closest("fieldset"), false);
    const alt = field.closest(".alt-text");
    if (alt) {  // the library's "no alt text" goes once there is some
      const box = form.querySelector(`input[name=media][value="${alt.dataset.media}"]`);
      const warning = box && box.closest(".media-choice").querySelector(".no-alt");
      if (warning) warning.hidden = !!field.value.trim();
    }
  });

  form.addEventListener("click", (event) => {
    const button = event.target.closest("button");
    if (!button) return;
    if (button.classList.contains("follow-common")) {
      follow(button.closest("fieldset"), true);
      changed();
    } else if (button.classList.contains("add-hashtag")) {
      const tag = button.dataset.hashtag;
      if (!common.value.includes(tag)) {
        common.value = common.value.replace(/\s*$/, common.value.trim() ? " " : "") + tag;
        common.dispatchEvent(new Event("input", { bubbles: true }));
      }
    } else if (button.classList.contains("add-part")) {
      const template = button.parentElement.querySelector("template");
      const part = template.content.firstElementChild.cloneNode(true);
      button.before(part);
      part.focus();
    }
  });

  const upload = document.getElementById("upload");
  upload.addEventListener("change", async (event) => {
    event.stopPropagation();
    if (!upload.files.length) return;
    const body = new FormData();
    for (const file of upload.files) body.append("files", file);
    body.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
    const problems = document.getElementById("upload-problems");
    problems.textContent = "…";
    try {
      const response = await fetch(form.dataset.uploadUrl, { method: "POST", body, credentials: "same-origin" });
      const answer = document.createElement("div");
      answer.innerHTML = await response.text();
      const refused = answer.querySelector("template.upload-problems");
      problems.replaceChildren(...(refused ? refused.content.childNodes : []));
      if (refused) refused.remove();
      document.getElementById("media-grid").prepend(...answer.querySelectorAll("label.media-choice"));
      document.getElementById("alt-texts").prepend(...answer.querySelectorAll(".alt-text"));
    } catch (error) {
      problems.textContent = String(error);
    }
    upload.value = "";
    changed();
  });
})();
