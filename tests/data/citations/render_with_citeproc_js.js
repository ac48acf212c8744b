// Render CSL-JSON items with citeproc-js as plain text, in each style and locale (see README.md):
//   node render_with_citeproc_js.js items.json styles.json > expected.json
const fs = require("fs");
const CSL = require("citeproc");
const [itemsPath, stylesPath] = process.argv.slice(2);
const items = JSON.parse(fs.readFileSync(itemsPath, "utf8"));
const styles = JSON.parse(fs.readFileSync(stylesPath, "utf8"));  // {name: {path, locales: {lang: path}}}
const out = {};
for (const [name, spec] of Object.entries(styles)) {
  const styleXml = fs.readFileSync(spec.path, "utf8");
  out[name] = {};
  for (const [lang, localePath] of Object.entries(spec.locales)) {
    out[name][lang] = {};
    for (const item of items) {
      const sys = {
        retrieveLocale: (l) => fs.readFileSync(spec.localesDir + "/locales-" + (l === "en" ? "en-US" : l) + ".xml", "utf8"),
        retrieveItem: (id) => item,
      };
      const engine = new CSL.Engine(sys, styleXml, lang, true);
      engine.setOutputFormat("text");
      engine.updateItems([item.id]);
      const [meta, entries] = engine.makeBibliography();
      out[name][lang][item.id] = entries.map((e) => e.replace(/\s+/g, " ").trim()).join(" ");
    }
  }
}
process.stdout.write(JSON.stringify(out, null, 2) + "\n");
