# runner-ext executor entrypoint.
#
# Sourced by the CI job (`. "$RUNNER_EXT_ENTRYPOINT"`) after the job has defined the build
# plan that `runner-ext render ci` generated: `runner_ext_prepare` and `runner_ext_plan`.
# This file only adds what the plan cannot know in advance: the default tags, registry
# auth, running and logging the engine, the dotenv report and a diagnosis on failure.
# Engine flags are never written here; they come from the plan.
#
# POSIX sh using only busybox tools: Kaniko's debug image has nothing else, and Kaniko
# replaces the root filesystem while it builds, so after the engine ran only /kaniko,
# /busybox and mounted volumes (the project directory) can be relied on. Nothing here
# touches /tmp, and every file lives in $RUNNER_EXT_WORK_DIR or the project directory.
#
# Inputs (job variables): RUNNER_EXT_IMAGE, RUNNER_EXT_DESTINATIONS, RUNNER_EXT_EXTRA_TAGS,
# RUNNER_EXT_CACHE, RUNNER_EXT_CACHE_REPO, RUNNER_EXT_PUSH, RUNNER_EXT_WORK_DIR, RUNNER_EXT_DOTENV,
# CI_REGISTRY, CI_REGISTRY_USER, CI_REGISTRY_PASSWORD, RUNNER_EXT_REGISTRY_AUTH,
# CI_DEPENDENCY_PROXY_SERVER/_USER/_PASSWORD and GitLab's CI_COMMIT_* variables. See docs/how-builds-run.md.

# Tracing would print the registry password: turn it off for good.
case $- in *x*) set +x; echo "runner-ext: shell tracing (set -x) turned off: it would print registry credentials" >&2 ;; esac

runner_ext_say() {
  printf 'runner-ext: %s\n' "$*" >&2
}

runner_ext_nl='
'

# --- destinations --------------------------------------------------------------------

# One item per line: spaces, tabs and newlines all separate; blanks and repeats dropped.
runner_ext_lines() {
  printf '%s\n' "$1" | tr ' \t' '\n\n' | awk 'NF && !seen[$0]++'
}

# A git ref as an image tag: [A-Za-z0-9_.-], not starting with '.' or '-', <= 128 chars.
runner_ext_tag_of() {
  printf '%s' "$1" | tr -c 'A-Za-z0-9_.-' '-' | sed 's/^[.-]*//' | cut -c1-128
}

runner_ext_default_tags() {
  printf '%s\n' "${CI_COMMIT_SHA:-}" "${CI_COMMIT_REF_SLUG:-}"
  if [ -n "${CI_COMMIT_BRANCH:-}" ] && [ "${CI_COMMIT_BRANCH}" = "${CI_DEFAULT_BRANCH:-}" ]; then
    echo latest
  fi
  if [ -n "${CI_COMMIT_TAG:-}" ]; then
    runner_ext_tag_of "$CI_COMMIT_TAG"
    echo
  fi
}

# Sets RUNNER_EXT_DESTINATIONS (one reference per line) from the explicit list, or from
# RUNNER_EXT_IMAGE and the default tags; RUNNER_EXT_EXTRA_TAGS are added in both cases.
runner_ext_destinations() {
  runner_ext_tags=$(runner_ext_lines "${RUNNER_EXT_EXTRA_TAGS:-}")
  runner_ext_list=$(runner_ext_lines "${RUNNER_EXT_DESTINATIONS:-}")
  if [ -z "$runner_ext_list" ]; then
    runner_ext_tags=$(runner_ext_lines "$(runner_ext_default_tags)$runner_ext_nl$runner_ext_tags")
  fi
  if [ -n "$runner_ext_tags" ] && [ -z "${RUNNER_EXT_IMAGE:-}" ]; then
    runner_ext_say "RUNNER_EXT_IMAGE is empty, so there is no repository to tag; set the 'image' input (default \$CI_REGISTRY_IMAGE, empty when the project's container registry is off) or list full references in 'destinations'"
    return 2
  fi
  runner_ext_refs=$(printf '%s\n' "$runner_ext_tags" | while IFS= read -r runner_ext_tag; do
    [ -z "$runner_ext_tag" ] || printf '%s:%s\n' "$RUNNER_EXT_IMAGE" "$runner_ext_tag"
  done)
  RUNNER_EXT_DESTINATIONS=$(runner_ext_lines "$runner_ext_list$runner_ext_nl$runner_ext_refs")
  if [ -z "$RUNNER_EXT_DESTINATIONS" ]; then
    runner_ext_say "nothing to push: no destinations and no tags (CI_COMMIT_SHA is empty)"
    return 2
  fi
  export RUNNER_EXT_DESTINATIONS
}

runner_ext_check_cache() {
  [ "${RUNNER_EXT_CACHE:-}" = true ] || return 0
  case "${RUNNER_EXT_CACHE_REPO:-}" in
    "" | /*)
      runner_ext_say "the layer cache is on but the cache repo '${RUNNER_EXT_CACHE_REPO:-}' is not a repository; set the 'cache_repo' input, or 'image' (the default cache repo is <image>/cache), or turn 'cache' off"
      return 2 ;;
  esac
}

# RUNNER_EXT_PUSH=false makes the job a build check: the plan pushes neither the image nor
# cache layers. Unset means true (jobs of templates rendered before the variable existed).
runner_ext_check_push() {
  RUNNER_EXT_PUSH=${RUNNER_EXT_PUSH:-true}
  case "$RUNNER_EXT_PUSH" in
    true | false) export RUNNER_EXT_PUSH ;;
    *)
      runner_ext_say "RUNNER_EXT_PUSH must be true or false (the 'push' input); the value is not shown"
      return 2 ;;
  esac
}

# --- registry auth -------------------------------------------------------------------

# The docker config key of a registry host; Docker Hub is keyed by its legacy URL, which
# Kaniko, BuildKit and Buildah all understand.
runner_ext_auth_key() {
  case "$1" in
    docker.io | index.docker.io | registry-1.docker.io) echo "https://index.docker.io/v1/" ;;
    *) echo "$1" ;;
  esac
}

# A JSON string: backslash and double quote escaped. Only registry hosts reach it, and
# runner_ext_matches admits neither character nor any control character in a host; the
# escaping keeps this writer correct on its own. (No executor image has a JSON tool: Kaniko's
# debug image and BuildKit's are busybox, which has none.)
runner_ext_json_string() {
  printf '"%s"' "$(printf '%s' "$1" | sed 's/[\\"]/\\&/g')"
}

# Prints one `"host":{"auth":"…"}` member for a host runner_ext_matches accepted. The auth
# value is base64 ([A-Za-z0-9+/=]), so it needs no escaping. The password reaches base64
# through a pipe from the printf builtin, so it never appears in any process's argv.
runner_ext_auth_member() {
  runner_ext_json_string "$(runner_ext_auth_key "$1")"
  printf ':{"auth":"'
  printf '%s:%s' "$2" "$3" | base64 | tr -d '\n'
  printf '"}'
}

# The extra registries: RUNNER_EXT_REGISTRY_AUTH holds (or, as a file variable, names a file
# holding) lines of `host username password`; blank lines and lines starting with # are
# skipped. Prints the members, then a line `runner_ext_hosts <host> …` for deduplication.
runner_ext_extra_auths() {
  runner_ext_n=0
  runner_ext_sep=
  runner_ext_seen=" "
  while IFS= read -r runner_ext_line || [ -n "$runner_ext_line" ]; do
    runner_ext_n=$((runner_ext_n + 1))
    case "$runner_ext_line" in "" | "#"*) continue ;; esac
    # read splits on whitespace; the password keeps any inner spaces.
    read -r runner_ext_h runner_ext_u runner_ext_p <<EOF
$runner_ext_line
EOF
    if [ -z "$runner_ext_p" ] || ! runner_ext_matches host "$runner_ext_h"; then
      runner_ext_say "RUNNER_EXT_REGISTRY_AUTH line $runner_ext_n is not 'host username password' with host a registry host[:port] (the line is not shown: it may hold a secret)"
      return 2
    fi
    case "$runner_ext_seen" in *" $runner_ext_h "*) continue ;; esac
    runner_ext_seen="$runner_ext_seen$runner_ext_h "
    printf '%s' "$runner_ext_sep"
    runner_ext_auth_member "$runner_ext_h" "$runner_ext_u" "$runner_ext_p"
    runner_ext_sep=,
  done <<EOF
$(runner_ext_auth_source)
EOF
  printf '\nrunner_ext_hosts%s\n' "$runner_ext_seen"
}

runner_ext_auth_source() {
  if [ -f "${RUNNER_EXT_REGISTRY_AUTH:-}" ]; then
    cat -- "$RUNNER_EXT_REGISTRY_AUTH"
  else
    printf '%s\n' "${RUNNER_EXT_REGISTRY_AUTH:-}"
  fi
}

# Writes {"auths":{…}} for CI_REGISTRY (the job token) and the extra registries; an extra
# entry for CI_REGISTRY's host replaces the job token.
runner_ext_auth_json() {
  if [ -n "${CI_REGISTRY:-}" ] && ! runner_ext_matches host "$CI_REGISTRY"; then
    runner_ext_say "CI_REGISTRY is not a registry host[:port] (the value is not shown); it is set by GitLab: check the project's or group's CI/CD variables for one that overrides it"
    return 2
  fi
  runner_ext_extra=$(runner_ext_extra_auths) || return $?
  runner_ext_hosts=${runner_ext_extra##*runner_ext_hosts}
  runner_ext_extra=${runner_ext_extra%"${runner_ext_nl}runner_ext_hosts"*}
  printf '{"auths":{%s' "$runner_ext_extra"
  runner_ext_sep=
  [ -n "$runner_ext_extra" ] && runner_ext_sep=,
  if [ -n "${CI_REGISTRY:-}" ] && [ -n "${CI_REGISTRY_PASSWORD:-}" ]; then
    runner_ext_job_member "$CI_REGISTRY" "${CI_REGISTRY_USER:-gitlab-ci-token}" \
      "$CI_REGISTRY_PASSWORD"
  fi
  # GitLab's dependency proxy (base images through $CI_DEPENDENCY_PROXY_GROUP_IMAGE_PREFIX):
  # its server variable carries the port (host:443); references written without it
  # (host/group/dependency_proxy/…) are keyed by the bare host, so both get the entry.
  if [ -n "${CI_DEPENDENCY_PROXY_SERVER:-}" ] && [ -n "${CI_DEPENDENCY_PROXY_PASSWORD:-}" ]; then
    if ! runner_ext_matches host "$CI_DEPENDENCY_PROXY_SERVER"; then
      runner_ext_say "CI_DEPENDENCY_PROXY_SERVER is not a registry host[:port] (the value is not shown); it is set by GitLab: check the project's or group's CI/CD variables for one that overrides it"
      return 2
    fi
    for runner_ext_proxy in "$CI_DEPENDENCY_PROXY_SERVER" "${CI_DEPENDENCY_PROXY_SERVER%:443}"; do
      runner_ext_job_member "$runner_ext_proxy" "${CI_DEPENDENCY_PROXY_USER:-gitlab-ci-token}" \
        "$CI_DEPENDENCY_PROXY_PASSWORD"
    done
  fi
  printf '}}\n'
}

# One member with the job's own credentials, unless RUNNER_EXT_REGISTRY_AUTH or an earlier
# member already has that host (an extra entry wins over the job token).
runner_ext_job_member() {
  case "$runner_ext_hosts " in *" $1 "*) return 0 ;; esac
  runner_ext_hosts="$runner_ext_hosts $1"
  printf '%s' "$runner_ext_sep"
  runner_ext_auth_member "$1" "$2" "$3"
  runner_ext_sep=,
}

runner_ext_write_auth() {
  if [ -z "${RUNNER_EXT_AUTH_FILE:-}" ]; then
    runner_ext_say "the build plan set no RUNNER_EXT_AUTH_FILE; re-render the CI templates with this runner-ext version"
    return 3
  fi
  (
    umask 077
    mkdir -p -- "$(dirname -- "$RUNNER_EXT_AUTH_FILE")" &&
      : > "$RUNNER_EXT_AUTH_FILE" && chmod 600 "$RUNNER_EXT_AUTH_FILE" &&
      runner_ext_auth_json > "$RUNNER_EXT_AUTH_FILE"
  ) || {
    runner_ext_rc=$?
    rm -f -- "$RUNNER_EXT_AUTH_FILE"
    return "$runner_ext_rc"
  }
}

# --- running the engine --------------------------------------------------------------

# Runs one command of the plan; its output goes to the job log and to a log in the work
# directory (outside the build context, and kept by Kaniko), read for the diagnosis.
runner_ext_run() {
  runner_ext_say "running: $*"
  runner_ext_rc_file="$RUNNER_EXT_WORK_DIR/.step-rc"
  runner_ext_step_log="$RUNNER_EXT_WORK_DIR/step.log"
  { "$@" 2>&1; echo $? > "$runner_ext_rc_file"; } | tee "$runner_ext_step_log"
  cat "$runner_ext_step_log" >> "$RUNNER_EXT_LOG"
  runner_ext_step_rc=$(cat "$runner_ext_rc_file")
  rm -f "$runner_ext_rc_file"
  return "${runner_ext_step_rc:-1}"
}

# --- report and diagnosis ------------------------------------------------------------

runner_ext_digest() {
  [ -n "${RUNNER_EXT_DIGEST_PATH:-}" ] && [ -s "$RUNNER_EXT_DIGEST_PATH" ] || return 0
  case "${RUNNER_EXT_DIGEST_FORMAT:-plain}" in
    buildkit-metadata)
      tr -d '\n' < "$RUNNER_EXT_DIGEST_PATH" |
        sed -n 's/.*"containerimage\.digest"[[:space:]]*:[[:space:]]*"\(sha256:[0-9a-f]*\)".*/\1/p' ;;
    *) grep -o 'sha256:[0-9a-f]*' "$RUNNER_EXT_DIGEST_PATH" | head -n 1 ;;
  esac
}

# host:5000/group/app:tag → host:5000/group/app
runner_ext_repository() {
  runner_ext_name=${1%%@*}
  case "${runner_ext_name##*/}" in *:*) runner_ext_name=${runner_ext_name%:*} ;; esac
  printf '%s\n' "$runner_ext_name"
}

# The dotenv report (artifacts:reports:dotenv) later jobs receive as variables.
runner_ext_report() {
  if [ "$RUNNER_EXT_PUSH" = false ]; then
    : > "${RUNNER_EXT_DOTENV:-runner-ext.env}"
    runner_ext_say "built, and pushed nothing (push is off: a build check): $(printf '%s\n' "$RUNNER_EXT_DESTINATIONS" | tr '\n' ' ' | sed 's/ *$//')"
    return 0
  fi
  runner_ext_digest=$(runner_ext_digest)
  runner_ext_first=$(printf '%s\n' "$RUNNER_EXT_DESTINATIONS" | head -n 1)
  runner_ext_repo=$(runner_ext_repository "$runner_ext_first")
  runner_ext_built_tags=$(printf '%s\n' "$RUNNER_EXT_DESTINATIONS" | tr '\n' ' ' | sed 's/ *$//')
  if [ -n "$runner_ext_digest" ]; then
    runner_ext_built_image="$runner_ext_repo@$runner_ext_digest"
  else
    runner_ext_built_image=$runner_ext_first
    runner_ext_say "warning: the engine reported no digest; RUNNER_EXT_BUILT_IMAGE names a tag"
  fi
  {
    printf 'RUNNER_EXT_BUILT_IMAGE=%s\n' "$runner_ext_built_image"
    printf 'RUNNER_EXT_BUILT_REPOSITORY=%s\n' "$runner_ext_repo"
    printf 'RUNNER_EXT_BUILT_DIGEST=%s\n' "$runner_ext_digest"
    printf 'RUNNER_EXT_BUILT_TAGS=%s\n' "$runner_ext_built_tags"
  } > "${RUNNER_EXT_DOTENV:-runner-ext.env}"
  runner_ext_say "pushed $runner_ext_built_image as: $runner_ext_built_tags"
}

# The first error line matching an extended regex (case-insensitive) in the failed step.
runner_ext_find() {
  grep -i -m 1 -E "$1" "$runner_ext_step_log" 2>/dev/null
}

runner_ext_while() {
  case "$1" in
    *"${RUNNER_EXT_CACHE_REPO:-//}"*) echo "reading or writing the cache repo ${RUNNER_EXT_CACHE_REPO}" ;;
    *"initializing source"* | *"creating build container"* | *"resolve source metadata"* | \
      *"retrieving image"* | *"retrieve image"* | *"pulling image"* | *"pull access"*)
      echo "pulling the base image" ;;
    *) echo "pushing the image" ;;
  esac
}

runner_ext_diagnosis() {
  runner_ext_step_log="$RUNNER_EXT_WORK_DIR/step.log"
  if [ "$1" = 137 ]; then
    echo "the engine was killed (exit 137), almost always out of memory: raise kubernetes.resources.memory_limit (Kaniko: keep kaniko.compressed_caching = false)"
  elif runner_ext_find 'creating locker directory: mkdir .*-images: read-only file system' > /dev/null; then
    echo "the warmer's image store (engines.buildah.image_store) is empty: run the warmer Job of runner-ext render warmer --engine buildah and wait for it to complete, or empty [warmer].images"
  elif runner_ext_find 'no space left on device' > /dev/null; then
    echo "no space left on device: raise kubernetes.resources.ephemeral_storage_limit, or shrink the build context with a .dockerignore"
  elif runner_ext_line=$(runner_ext_find 'error building at STEP "RUN|failed to execute command|did not complete successfully'); then
    # Checked before the registry errors: a RUN step's own output (npm, pip, curl) may
    # mention 401 or 403 from a package registry.
    echo "a RUN step of the Dockerfile failed: see its output above"
  elif runner_ext_line=$(runner_ext_find 'unauthorized|authentication required|incorrect username or password|status: 401'); then
    echo "the registry rejected the credentials (401) while $(runner_ext_while "$runner_ext_line"): check CI_REGISTRY_USER/CI_REGISTRY_PASSWORD, or add the registry to RUNNER_EXT_REGISTRY_AUTH"
  elif runner_ext_line=$(runner_ext_find 'denied: |access to the resource is denied|insufficient_scope|forbidden|status: 403'); then
    echo "the registry refused access (403) while $(runner_ext_while "$runner_ext_line"): the credentials lack pull/push rights there (GitLab: the job token may push only to its own project's registry; cleanup policies may delete cache tags)"
  elif runner_ext_line=$(runner_ext_find 'manifest unknown|name unknown|not found') &&
    [ "$(runner_ext_while "$runner_ext_line")" = "pulling the base image" ]; then
    echo "the base image was not found: check the FROM lines and build args, and that the image exists in the registry"
  else
    echo "see the engine output above (also kept in $RUNNER_EXT_LOG)"
  fi
}

# --- main ----------------------------------------------------------------------------

runner_ext_main() {
  if ! command -v runner_ext_plan > /dev/null 2>&1 || ! command -v runner_ext_prepare > /dev/null 2>&1 ||
    ! command -v runner_ext_matches > /dev/null 2>&1; then
    runner_ext_say "the build plan is not defined: source this file after the plan functions of the runner-ext CI template"
    return 3
  fi
  if [ -z "${RUNNER_EXT_WORK_DIR:-}" ]; then
    runner_ext_say "RUNNER_EXT_WORK_DIR is empty; it names where auth and engine files go"
    return 2
  fi
  runner_ext_destinations || return $?
  runner_ext_check_cache || return $?
  runner_ext_check_push || return $?
  runner_ext_prepare || return $?
  mkdir -p -- "$RUNNER_EXT_WORK_DIR" || return $?
  RUNNER_EXT_LOG="$RUNNER_EXT_WORK_DIR/build.log"
  : > "$RUNNER_EXT_LOG"
  [ -z "${RUNNER_EXT_DIGEST_PATH:-}" ] || rm -f -- "$RUNNER_EXT_DIGEST_PATH"
  runner_ext_write_auth || return $?
  runner_ext_plan
  runner_ext_rc=$?
  rm -f -- "$RUNNER_EXT_AUTH_FILE"
  if [ "$runner_ext_rc" -ne 0 ]; then
    runner_ext_say "build failed (exit $runner_ext_rc): $(runner_ext_diagnosis "$runner_ext_rc")"
    return "$runner_ext_rc"
  fi
  runner_ext_report
}

# RUNNER_EXT_LIBRARY=1: only define the functions (the shim's docker wrapper reuses the
# registry auth writer and the reference helpers).
[ "${RUNNER_EXT_LIBRARY:-}" = 1 ] || { runner_ext_main || exit $?; }
