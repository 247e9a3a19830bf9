# SPDX-License-Identifier: GPL-2.0-only
# Sourced by the shell integration tests: TAP output helpers.
# tap_ok RC DESC..., tap_is GOT WANT DESC..., tap_skip REASON; the
# caller prints the plan ("1..$n") and fails if $failed is non-zero.
n=0
failed=0

tap_ok() { # $1 = 0 for success, $2... = description
    local rc=$1
    shift
    n=$((n + 1))
    if [ "$rc" -eq 0 ]; then
        echo "ok $n - $*"
    else
        echo "not ok $n - $*"
        failed=$((failed + 1))
    fi
}

tap_is() { # got want description...
    local got=$1 want=$2
    shift 2
    [ "$got" = "$want" ]
    tap_ok $? "$*"
    [ "$got" = "$want" ] || printf '#   got  %s\n#   want %s\n' "$got" "$want"
}

tap_skip() { # reason
    n=$((n + 1))
    echo "ok $n # SKIP $*"
}

# wait_until SECONDS COMMAND...: runs COMMAND until it succeeds; fails
# once SECONDS have passed.  The bound is generous on purpose (a loaded
# 2-core CI machine): callers wait for a condition, never for a time.
wait_until() {
    local end=$(($(date +%s) + $1))
    shift
    until "$@"; do
        [ "$(date +%s)" -ge "$end" ] && return 1
        sleep 0.05
    done
}
