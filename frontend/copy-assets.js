// Copies the GOV.UK Frontend JavaScript and image assets into the Django static tree, so the
// Python package serves files at the same version as the Jinja macros. Run by `npm run build`.
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");
const source = path.join(root, "node_modules", "govuk-frontend", "dist", "govuk");
const target = path.join(root, "opensend", "web", "static", "web", "build");

fs.mkdirSync(target, { recursive: true });
fs.copyFileSync(path.join(source, "govuk-frontend.min.js"), path.join(target, "govuk-frontend.min.js"));
fs.cpSync(path.join(source, "assets"), path.join(target, "assets"), { recursive: true });

console.log("front end built in " + path.relative(root, target));
