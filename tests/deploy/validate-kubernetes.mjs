// Validates Kubernetes manifests against the API's own schemas (kubernetes-models: the OpenAPI definitions of
// Kubernetes 1.27 compiled to JSON-schema validators): types, required fields, enums, formats. Unknown keys are not
// reported (the OpenAPI schemas allow them; a server would drop them).
//   node validate-kubernetes.mjs FILE.yaml...
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

let failures = 0;
for (const file of process.argv.slice(2)) {
  for (const document of parseAllDocuments(readFileSync(file, "utf8"))) {
    if (document.errors.length > 0) {
      console.error(`${file}: ${document.errors.map((e) => e.message).join("; ")}`);
      failures++;
      continue;
    }

    const manifest = document.toJS();
    if (manifest === null) {
      continue;
    }

    const name = `${file}: ${manifest.kind ?? "?"} ${manifest.metadata?.name ?? "?"}`;
    if (typeof manifest.apiVersion !== "string" || typeof manifest.kind !== "string") {
      console.error(`${name}: apiVersion and kind are required`);
      failures++;
      continue;
    }

    const [group, version] = manifest.apiVersion.includes("/") ? manifest.apiVersion.split("/") : [null, manifest.apiVersion];
    let models;
    try {
      models = await import(group ? `kubernetes-models/${group}/${version}` : `kubernetes-models/${version}`);
    } catch {
      models = {};
    }

    const Model = models[manifest.kind];
    if (typeof Model !== "function") {
      console.error(`${name}: ${manifest.apiVersion} has no kind ${manifest.kind}`);
      failures++;
      continue;
    }

    try {
      new Model(manifest).validate();
      console.log(`valid: ${name}`);
    } catch (error) {
      console.error(`${name}: ${error.message}`);
      failures++;
    }
  }
}

process.exit(failures === 0 ? 0 : 1);
