// The API documentation page's "Try it" forms: send the request from the page, with the
// signed-in session or with an API token typed into the page, and show the answer below the
// form. Without this script each form still works, through the docs/try redirect.

const tokenBlock = document.getElementById("api-token-block");
const tokenInput = document.getElementById("api-token");
if (tokenBlock) {
  tokenBlock.hidden = false;
}

function pretty(text) {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

function show(result, lines, body) {
  result.replaceChildren();
  const heading = document.createElement("h5");
  heading.className = "govuk-heading-s";
  heading.textContent = "Response";
  result.append(heading);
  for (const line of lines) {
    const paragraph = document.createElement("p");
    paragraph.className = "govuk-body";
    paragraph.textContent = line;
    result.append(paragraph);
  }
  if (body !== undefined) {
    const block = document.createElement("pre");
    block.className = "app-code-block";
    block.textContent = body;
    result.append(block);
  }
}

function addressFor(form) {
  let path = form.dataset.apiPath;
  const query = new URLSearchParams();
  for (const input of form.querySelectorAll("[data-param-in]")) {
    const value = input.value.trim();
    if (input.dataset.paramIn === "path") {
      if (!value) {
        return { missing: input };
      }
      path = path.replace(`{${input.name}}`, encodeURIComponent(value));
    } else if (value) {
      query.append(input.name, value);
    }
  }
  const search = query.toString();
  return { url: search ? `${path}?${search}` : path };
}

async function send(form) {
  const result = form.querySelector(".app-api-try__result");
  const { url, missing } = addressFor(form);
  if (missing) {
    show(result, [`Enter ${missing.name}: it is part of the address.`]);
    missing.focus();
    return;
  }
  const headers = { Accept: "application/json" };
  const token = tokenInput ? tokenInput.value.trim() : "";
  if (token) {
    headers.Authorization = `Bearer ${token}`;
  }
  show(result, [`Sending GET ${url}`]);
  try {
    const response = await fetch(url, {
      headers,
      credentials: token ? "omit" : "same-origin",
    });
    const text = await response.text();
    show(result, [`GET ${url}`, `Status ${response.status}`], pretty(text));
  } catch (error) {
    show(result, [`GET ${url}`, `The request could not be sent: ${error}`]);
  }
}

for (const form of document.querySelectorAll("form[data-api-path]")) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    send(form);
  });
}
