"""What a shell command does with a system package manager (apt, apt-get, apk, dnf, yum)."""

from __future__ import annotations

from runner_ext.dockerfile.shell import SimpleCommand, positionals

_APT = frozenset({"apt", "apt-get"})
_ARG_OPTIONS = frozenset({"-o", "-t", "-c", "--option", "--target-release", "--config-file"})


def subcommand(command: SimpleCommand) -> str | None:
    """The subcommand of apt/apt-get/apk/dnf/yum (``install``, ``update``…), or ``None``."""
    if command.program not in _APT | {"apk", "dnf", "yum", "microdnf"}:
        return None
    words = positionals(command.words[1:], _ARG_OPTIONS)
    return words[0] if words else None


def is_apt(command: SimpleCommand) -> bool:
    """True for ``apt`` and ``apt-get``."""
    return command.program in _APT


def is_index_update(command: SimpleCommand) -> bool:
    """``apt-get update``, ``apk update``, ``dnf/yum makecache``."""
    sub = subcommand(command)
    return (sub == "update" and command.program in _APT | {"apk"}) or sub == "makecache"


def is_install(command: SimpleCommand) -> bool:
    """A package installation (``apt-get install``, ``apk add``, ``dnf install``…)."""
    sub = subcommand(command)
    if command.program == "apk":
        return sub == "add"
    return sub in ("install", "upgrade", "dist-upgrade", "full-upgrade")


def assumes_yes(command: SimpleCommand) -> bool:
    """apt runs without asking: ``-y``/``--yes``/``--assume-yes``, ``-qq`` or ``-q=2``."""
    for word in command.words[1:]:
        if word in ("--yes", "--assume-yes", "-qq", "-q=2", "--quiet=2"):
            return True
        if word.startswith("-") and not word.startswith("--") and "y" in word[1:]:
            return True
        if "assume-yes=true" in word.lower():
            return True
    return False


def skips_recommends(command: SimpleCommand) -> bool:
    """``--no-install-recommends`` (or the equivalent ``-o`` setting) is given."""
    return any(w == "--no-install-recommends" or "install-recommends=false" in w.lower()
               for w in command.words)
