#!/usr/bin/env bash
# Installs tshark from Debian's packages when it is missing. Sourced by demo.sh and test.sh.
ensure_tshark() {
	if command -v tshark >/dev/null 2>&1; then
		return 0
	fi
	if [ "$(id -u)" -ne 0 ]; then
		echo "tshark is not installed. Install it with:" >&2
		echo "  sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y tshark" >&2
		return 1
	fi
	echo "installing tshark from Debian's packages ..." >&2
	apt-get update -qq >/dev/null &&
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tshark >/dev/null || {
		echo "apt-get could not install tshark" >&2
		return 1
	}
	command -v tshark >/dev/null 2>&1
}
