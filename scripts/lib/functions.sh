# shellcheck shell=bash
# Sourced by the scripts that go over template.yaml's functions (sbom.sh,
# rehearse-deploy.sh).
#
#   template_functions   prints "BINARY CODE_URI" per function, in template
#       order (Metadata.BuildProperties.Binary, Properties.CodeUri); returns 1
#       when they do not pair up. crates/iac-checks holds every function to
#       both: CodeUri is the folder of the crate that builds Binary.
template_functions() {
    local root bins uris
    root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
    bins="$(sed -n 's/^        Binary: *//p' "$root/template.yaml")"
    uris="$(sed -n 's/^      CodeUri: *//p' "$root/template.yaml")"
    if [[ -z "$bins" || "$(wc -l <<<"$bins")" != "$(wc -l <<<"$uris")" ]]; then
        echo "template.yaml: the functions' Binary and CodeUri do not pair up" >&2
        return 1
    fi
    paste -d ' ' <(echo "$bins") <(echo "$uris")
}
