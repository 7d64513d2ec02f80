# shellcheck shell=bash
# Sourced by `make sam-local` (scripts/sam-local.sh) and `make sam-local-test`
# (scripts/sam-local-test.sh): the pieces both need to run the built functions
# under `sam local` on this machine.
#
#   sam_local_docker LOG_DIR      a Docker daemon that answers: the running one,
#                                 else dockerd started here (root; Debian's
#                                 docker.io installed if missing)
#   sam_local_docker_stop         stops that dockerd if sam_local_docker started it
#   sam_local_image LOG_DIR       sets SAM_LOCAL_IMAGE and SAM_LOCAL_IMAGE_KIND
#                                 (real | stand-in | given); see below
#   sam_local_image_args          prints the matching `sam local` arguments
#   sam_local_env_file OUT PORT   env.json with DynamoDB Local at
#                                 host.docker.internal:PORT and a fresh salt
#   sam_local_check_build         the output of `make build`, runnable on this host
#
# The base image. `sam local` runs `provided.al2023` functions in AWS's image
# public.ecr.aws/lambda/provided:al2023, with its Runtime Interface Emulator
# mounted at /var/rapid and the bootstrap at /var/task. Where that image can be
# pulled it is used. Where it cannot (machines that reach only Debian's, PyPI,
# npm and crates.io), a stand-in is built once from a minimal Debian bookworm
# root filesystem (debootstrap --variant=minbase, plus ca-certificates, as the
# real image has root certificates; `docker import`) and kept as
# SAM_LOCAL_STANDIN_IMAGE. The bootstrap is a glibc executable (cargo-lambda
# targets glibc 2.17 and up), so bookworm's glibc 2.36 runs it; nothing else
# of al2023 is used. SAM_LOCAL_INVOKE_IMAGE=NAME forces an image of your own.

SAM_LOCAL_REAL_IMAGE="${SAM_LOCAL_REAL_IMAGE:-public.ecr.aws/lambda/provided:al2023}"
SAM_LOCAL_STANDIN_IMAGE="${SAM_LOCAL_STANDIN_IMAGE:-resume-backend/lambda-standin:bookworm}"
SAM_LOCAL_DEBIAN_MIRROR="${SAM_LOCAL_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
SAM_LOCAL_PULL_TIMEOUT="${SAM_LOCAL_PULL_TIMEOUT:-20}"
# The output of `make build` (another built template for debugging: SAM_LOCAL_TEMPLATE).
SAM_LOCAL_TEMPLATE="${SAM_LOCAL_TEMPLATE:-.aws-sam/build/template.yaml}"
SAM_LOCAL_IMAGE=""
SAM_LOCAL_IMAGE_KIND=""
SAM_LOCAL_DOCKERD_PID=""

sam_local_log() { echo "sam-local: $*" >&2; }

sam_local_free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# apt-get install, as root only: the one way these scripts install a system package.
sam_local_apt_install() {
    if [[ "$(id -u)" != 0 ]]; then
        sam_local_log "$1 is missing: install it (apt-get install $*), or run this as root"
        return 1
    fi
    sam_local_log "installing $* (apt-get)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null ||
        { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null; }
}

sam_local_docker() {
    local log_dir="$1"
    if docker info >/dev/null 2>&1; then
        return 0
    fi
    if [[ "$(id -u)" != 0 ]]; then
        sam_local_log "Docker does not answer (docker info failed): start Docker, or run this as root to have dockerd started"
        return 1
    fi
    if ! command -v dockerd >/dev/null; then
        sam_local_apt_install docker.io || return 1
    fi
    sam_local_log "no Docker daemon running: starting dockerd (log: $log_dir/dockerd.log)"
    # Its own session: a Ctrl-C must not stop it before the containers are removed.
    setsid dockerd >"$log_dir/dockerd.log" 2>&1 </dev/null &
    SAM_LOCAL_DOCKERD_PID=$!
    local i
    for ((i = 0; i < 120; i++)); do
        docker info >/dev/null 2>&1 && return 0
        if ! kill -0 "$SAM_LOCAL_DOCKERD_PID" 2>/dev/null; then
            sam_local_log "dockerd exited during start-up:"
            tail -n 20 "$log_dir/dockerd.log" >&2
            SAM_LOCAL_DOCKERD_PID=""
            return 1
        fi
        sleep 0.5
    done
    sam_local_log "dockerd did not answer within 60 s; see $log_dir/dockerd.log"
    return 1
}

sam_local_docker_stop() {
    [[ -n "$SAM_LOCAL_DOCKERD_PID" ]] || return 0
    local i
    kill -TERM "$SAM_LOCAL_DOCKERD_PID" 2>/dev/null || true
    for ((i = 0; i < 200; i++)); do
        kill -0 "$SAM_LOCAL_DOCKERD_PID" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$SAM_LOCAL_DOCKERD_PID" 2>/dev/null || true
    SAM_LOCAL_DOCKERD_PID=""
}

# Builds SAM_LOCAL_STANDIN_IMAGE from a minbase Debian bookworm (about 200 MB).
sam_local_build_standin() {
    local log_dir="$1" rootfs
    command -v debootstrap >/dev/null || sam_local_apt_install debootstrap || return 1
    rootfs="$(mktemp -d "$log_dir/rootfs.XXXXXX")"
    sam_local_log "building the stand-in image $SAM_LOCAL_STANDIN_IMAGE (debootstrap --variant=minbase --include=ca-certificates bookworm; log: $log_dir/debootstrap.log)"
    # ca-certificates: the AWS SDK in the bootstrap wants the system's root
    # certificates (the real image has them too), even when it only speaks
    # plain HTTP to DynamoDB Local.
    if ! debootstrap --variant=minbase --include=ca-certificates bookworm "$rootfs" "$SAM_LOCAL_DEBIAN_MIRROR" >"$log_dir/debootstrap.log" 2>&1; then
        sam_local_log "debootstrap failed:"
        tail -n 20 "$log_dir/debootstrap.log" >&2
        rm -rf "$rootfs"
        return 1
    fi
    # No apt lists or caches in the image; /var/task and /opt as in Lambda.
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    mkdir -p "$rootfs/var/task" "$rootfs/var/runtime" "$rootfs/opt"
    tar -C "$rootfs" -c . | docker import \
        --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin:/opt/bin' \
        --change 'ENV LANG=C.UTF-8' \
        --change 'WORKDIR /var/task' \
        - "$SAM_LOCAL_STANDIN_IMAGE" >/dev/null
    local rc=$?
    rm -rf "$rootfs"
    return "$rc"
}

sam_local_image() {
    local log_dir="$1"
    if [[ -n "${SAM_LOCAL_INVOKE_IMAGE:-}" ]]; then
        SAM_LOCAL_IMAGE="$SAM_LOCAL_INVOKE_IMAGE" SAM_LOCAL_IMAGE_KIND=given
    elif docker image inspect "$SAM_LOCAL_REAL_IMAGE" >/dev/null 2>&1 ||
        timeout "$SAM_LOCAL_PULL_TIMEOUT" docker pull -q "$SAM_LOCAL_REAL_IMAGE" >/dev/null 2>&1; then
        SAM_LOCAL_IMAGE="$SAM_LOCAL_REAL_IMAGE" SAM_LOCAL_IMAGE_KIND=real
    else
        sam_local_log "$SAM_LOCAL_REAL_IMAGE cannot be pulled here: using the Debian stand-in $SAM_LOCAL_STANDIN_IMAGE"
        if ! docker image inspect "$SAM_LOCAL_STANDIN_IMAGE" >/dev/null 2>&1; then
            sam_local_build_standin "$log_dir" || return 1
        fi
        SAM_LOCAL_IMAGE="$SAM_LOCAL_STANDIN_IMAGE" SAM_LOCAL_IMAGE_KIND=stand-in
    fi
    sam_local_log "base image: $SAM_LOCAL_IMAGE ($SAM_LOCAL_IMAGE_KIND)"
}

# The image arguments for `sam local start-api` and `sam local invoke`.
sam_local_image_args() {
    printf '%s\n' --invoke-image "$SAM_LOCAL_IMAGE" --skip-pull-image
}

# env.json for the functions, pointing at DynamoDB Local on this host.
#   sam_local_env_file OUT DDB_PORT
sam_local_env_file() {
    local root
    root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
    python3 - "$root/env.json" "$1" "$2" <<'PY'
import json, sys
src, out, port = sys.argv[1], sys.argv[2], sys.argv[3]
env = json.load(open(src))
env["Parameters"]["AWS_ENDPOINT_URL_DYNAMODB"] = f"http://host.docker.internal:{port}"
with open(out, "w") as f:
    json.dump(env, f, indent=2)
PY
}

# A table name of a function in env.json: sam_local_env_value FUNCTION VAR
sam_local_env_value() {
    local root
    root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
    python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]][sys.argv[3]])' \
        "$root/env.json" "$1" "$2"
}

# The built template exists and its functions were built for this machine.
sam_local_check_build() {
    local built="$SAM_LOCAL_TEMPLATE" arch host
    if [[ ! -f "$built" ]]; then
        sam_local_log "no $built: run 'make build' first (on x86_64: make build ARCH=x86_64)"
        return 1
    fi
    arch="$(sed -n '/^  Architecture:$/,/Default:/s/^    Default: *//p' "$built" | head -n 1)"
    case "$(uname -m)" in
        x86_64) host=x86_64 ;;
        aarch64 | arm64) host=arm64 ;;
        *) host="$(uname -m)" ;;
    esac
    if [[ -n "$arch" && "$arch" != "$host" ]]; then
        sam_local_log "the build is for $arch but this machine is $host: run 'make build ARCH=$host' first"
        return 1
    fi
}
