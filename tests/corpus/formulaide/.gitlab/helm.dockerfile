# Stand-in written for the runner-ext corpus, not the project's own file
# (see tests/corpus/PROVENANCE.md).
FROM archlinux:latest
RUN pacman -Syu --noconfirm helm kubectl && pacman -Scc --noconfirm
