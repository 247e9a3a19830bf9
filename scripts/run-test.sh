#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Runs one test under a time limit so a hung test fails (exit 124,
# reported by the TAP driver) instead of stalling the whole suite.
# XENDM_TEST_TIMEOUT overrides the limit in seconds.
exec timeout -k 10 "${XENDM_TEST_TIMEOUT:-300}" "$@"
