# Generated from runner_ext/planner/references.py; tests keep it in step.
runner_ext_matches() {
  case $1 in
    operand) runner_ext_expected="a value not starting with '-' (it would be read as an option)"
      case $2 in -*) return 1 ;; esac; return 0 ;;
    reference) set -- "$2" '((([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9])(\.([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9]))*|\[[A-Fa-f0-9:]+\])(:[0-9]{1,5})?/)?[a-z0-9]+(([._]|__|-+)[a-z0-9]+)*(/[a-z0-9]+(([._]|__|-+)[a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@[A-Za-z][A-Za-z0-9]*([-_+.][A-Za-z][A-Za-z0-9]*)*:[A-Fa-f0-9]{32,})?' 'an image reference: [host[:port]/]path[:tag][@digest], path in lower case' ;;
    repository) set -- "$2" '((([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9])(\.([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9]))*|\[[A-Fa-f0-9:]+\])(:[0-9]{1,5})?/)?[a-z0-9]+(([._]|__|-+)[a-z0-9]+)*(/[a-z0-9]+(([._]|__|-+)[a-z0-9]+)*)*' 'a repository: [host[:port]/]path, lower case, without tag or digest' ;;
    host) set -- "$2" '(([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9])(\.([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9]))*|\[[A-Fa-f0-9:]+\])(:[0-9]{1,5})?' 'a registry host: name or address, optionally :port, nothing else' ;;
    mirror) set -- "$2" '(([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9])(\.([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9]))*|\[[A-Fa-f0-9:]+\])(:[0-9]{1,5})?(/[a-z0-9]+(([._]|__|-+)[a-z0-9]+)*)*' 'a registry mirror: host[:port] optionally followed by /path' ;;
    *) return 3 ;;
  esac
  runner_ext_expected=$3
  case $1 in "" | *[!]A-Za-z0-9._:/@+[-]*) return 1 ;; esac
  [ "${#1}" -le 512 ] && printf '%s\n' "$1" | grep -Eq -e "^($2)\$"
}
