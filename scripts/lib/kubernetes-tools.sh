# Ensures helm, kubeconform and Kubernetes' JSON schemas for the Helm chart's test, and exports
# MLOOP_TEST_HELM, MLOOP_TEST_KUBECONFORM and MLOOP_TEST_KUBERNETES_SCHEMAS.
#
# Sourced by scripts/test.sh (then call ensure_test_kubernetes_tools), or run directly:
#   bash scripts/lib/kubernetes-tools.sh     install them (if needed) and print the variables
#
# helm and kubeconform are built from the Go module proxy at pinned versions. kubeconform fetches
# its schemas from the internet by default; the tests run offline, so the schemas come from the
# kubernetes-validate wheel on PyPI, which bundles the strict schemas of each Kubernetes release
# (only the wheel is downloaded and unpacked; nothing is installed into a Python environment).
# Everything lives under .test-services/kubernetes (git-ignored) and is reused between runs.

MLOOP_HELM_VERSION="v4.3.2"
MLOOP_KUBECONFORM_VERSION="v0.8.0"
MLOOP_KUBERNETES_VALIDATE_VERSION="1.37.0"
# The Kubernetes release the chart is validated against (a release the wheel bundles).
MLOOP_KUBERNETES_VERSION="1.33.0"

kubernetes_tools_base_dir() {
  local repo_root
  repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  mkdir -p "$repo_root/.test-services/kubernetes"
  echo "$repo_root/.test-services/kubernetes"
}

# go_tool_install BASE NAME PACKAGE VERSION: builds PACKAGE@VERSION into BASE/bin/NAME-VERSION.
go_tool_install() {
  local base="$1" name="$2" package="$3" version="$4"
  local target="$base/bin/$name-$version"
  [[ -x "$target" ]] && return 0
  if ! command -v go >/dev/null; then
    echo "go not found; it builds $name for the Helm chart's test." >&2
    return 1
  fi
  echo "== building $name $version (go install, once)"
  mkdir -p "$base/gobin-$name"
  # GOFLAGS=-mod=mod: resolve the tool's own go.mod, whatever the caller's environment says.
  GOBIN="$base/gobin-$name" GOFLAGS=-mod=mod CGO_ENABLED=0 go install "$package@$version" </dev/null
  mkdir -p "$base/bin"
  mv "$base/gobin-$name/$name" "$target"
}

kubernetes_schemas_install() {
  local base="$1"
  local dir="$base/schemas-$MLOOP_KUBERNETES_VALIDATE_VERSION-standalone"
  [[ -f "$dir/v$MLOOP_KUBERNETES_VERSION-local-strict/.complete" ]] && return 0
  echo "== downloading Kubernetes JSON schemas (kubernetes-validate $MLOOP_KUBERNETES_VALIDATE_VERSION wheel, once)"
  # The test venv's interpreter has pip (a distribution's python3 may not).
  local python="${MLOOP_TEST_PYTHON:-python3}"
  local download="$base/wheel"
  rm -rf "$download" && mkdir -p "$download"
  "$python" -m pip download --quiet --no-deps --only-binary=:all: \
    "kubernetes-validate==$MLOOP_KUBERNETES_VALIDATE_VERSION" -d "$download" </dev/null
  # Unpack only the release the chart is checked against (the wheel holds a dozen), each kind's
  # schema made standalone: the wheel's refer to https://kubernetes.io/api/_definitions.json, which
  # kubeconform would fetch, so the definitions each one reaches are embedded under its $defs.
  "$python" - "$download" "$dir" "v$MLOOP_KUBERNETES_VERSION-local-strict/" <<'EOF'
import glob, json, os, sys, zipfile
download, target, release = sys.argv[1:]
prefix = "kubernetes_validate/kubernetes-json-schema/" + release
refs_to = ("/api/_definitions.json#/$defs/", "#/$defs/")

def name_of(ref):
    return next((ref[len(p):] for p in refs_to if ref.startswith(p)), None)

def refs(node, found):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and name_of(value):
                found.add(name_of(value))
            else:
                refs(value, found)
    elif isinstance(node, list):
        for value in node:
            refs(value, found)

def local(node):
    if isinstance(node, dict):
        return {k: "#/$defs/" + name_of(v) if k == "$ref" and isinstance(v, str) and name_of(v) else local(v)
                for k, v in node.items()}
    return [local(v) for v in node] if isinstance(node, list) else node

with zipfile.ZipFile(glob.glob(os.path.join(download, "*.whl"))[0]) as wheel:
    names = [n for n in wheel.namelist() if n.startswith(prefix) and n.endswith(".json")]
    definitions = json.loads(wheel.read(prefix + "_definitions.json"))["$defs"]
    out_dir = os.path.join(target, release)
    os.makedirs(out_dir, exist_ok=True)
    for name in names:
        schema = json.loads(wheel.read(name))
        if "kind" not in schema.get("properties", {}):
            continue  # only resources are looked up by kind
        needed = set()
        refs(schema, needed)
        pending = list(needed)
        while pending:
            more = set()
            refs(definitions[pending.pop()], more)
            pending.extend(more - needed)
            needed |= more
        schema = local(schema)
        schema["$defs"] = {n: local(definitions[n]) for n in sorted(needed)}
        with open(os.path.join(out_dir, os.path.basename(name)), "w") as f:
            json.dump(schema, f)
    # Marks a finished unpacking.
    open(os.path.join(out_dir, ".complete"), "w").close()
EOF
  rm -rf "$download"
  [[ -f "$dir/v$MLOOP_KUBERNETES_VERSION-local-strict/.complete" ]]
}

ensure_test_kubernetes_tools() {
  local base
  base="$(kubernetes_tools_base_dir)"
  (
    flock 9
    go_tool_install "$base" helm helm.sh/helm/v4/cmd/helm "$MLOOP_HELM_VERSION" &&
      go_tool_install "$base" kubeconform github.com/yannh/kubeconform/cmd/kubeconform "$MLOOP_KUBECONFORM_VERSION" &&
      kubernetes_schemas_install "$base"
  ) 9>"$base/.lock" || {
    echo "warning: helm, kubeconform or the Kubernetes schemas are missing; the Helm chart's test cannot run" >&2
    return 0
  }
  export MLOOP_TEST_HELM="$base/bin/helm-$MLOOP_HELM_VERSION"
  export MLOOP_TEST_KUBECONFORM="$base/bin/kubeconform-$MLOOP_KUBECONFORM_VERSION"
  export MLOOP_TEST_KUBERNETES_SCHEMAS="$base/schemas-$MLOOP_KUBERNETES_VALIDATE_VERSION-standalone"
  export MLOOP_TEST_KUBERNETES_VERSION="$MLOOP_KUBERNETES_VERSION"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  set -euo pipefail
  ensure_test_kubernetes_tools
  echo "MLOOP_TEST_HELM=${MLOOP_TEST_HELM:-}"
  echo "MLOOP_TEST_KUBECONFORM=${MLOOP_TEST_KUBECONFORM:-}"
  echo "MLOOP_TEST_KUBERNETES_SCHEMAS=${MLOOP_TEST_KUBERNETES_SCHEMAS:-}"
  echo "MLOOP_TEST_KUBERNETES_VERSION=${MLOOP_TEST_KUBERNETES_VERSION:-}"
fi
