#!/usr/bin/env bash
# Installs what nftimediff and its tests need from Debian's packages when it is
# missing. Sourced by demo.sh, test.sh and bench.sh.

# apt_install PKG...: installs packages as root (apt-get update once per run);
# as another user it prints the command to run and fails.
apt_updated=
apt_install() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "missing: $*. Install with:" >&2
		echo "  sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y $*" >&2
		return 1
	fi
	echo "installing $* from Debian's packages ..." >&2
	if [ -z "$apt_updated" ]; then
		apt-get update -qq >/dev/null || return 1
		apt_updated=1
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# ensure_tshark: tshark is required.
ensure_tshark() {
	command -v tshark >/dev/null 2>&1 && return 0
	apt_install tshark || {
		echo "tshark is required: nftimediff reads captures through it" >&2
		return 1
	}
	command -v tshark >/dev/null 2>&1
}

# ensure_libreoffice: optional; the report tests convert XLSX/DOCX to PDF with
# it and skip with a message when it is absent.
ensure_libreoffice() {
	command -v soffice >/dev/null 2>&1 && return 0
	apt_install libreoffice-writer-nogui libreoffice-calc-nogui poppler-utils ||
		echo "LibreOffice not installed: the report conversion tests will skip" >&2
	return 0
}
